package dev.agentry.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Bytes a well-behaved client would never send, over a plain socket, and the one response read
 * back: status, headers and body (by {@code Content-Length}, chunks, or up to the close).
 */
final class RawHttp {
  private RawHttp() {}

  record Response(
      String statusLine, int status, Map<String, String> headers, byte[] body, boolean closed) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** Sends {@code request} and reads one response. */
  static Response exchange(int port, byte[] request) {
    return exchange(port, request, false);
  }

  /**
   * Sends {@code request} and reads one response; with {@code awaitClose}, {@code closed} says
   * whether the server then closed the connection (waited for up to 3 s).
   */
  static Response exchange(int port, byte[] request, boolean awaitClose) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      Response r = read(in);
      if (!awaitClose) {
        return r;
      }
      boolean closed;
      socket.setSoTimeout(3_000);
      try {
        closed = in.read() == -1;
      } catch (SocketTimeoutException e) {
        closed = false;
      } catch (IOException e) {
        closed = true; // reset by the server: closed as well
      }
      return new Response(r.statusLine(), r.status(), r.headers(), r.body(), closed);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends {@code request} and reads the head and the first {@code bodyBytes} of the body. */
  static Response head(int port, byte[] request, int bodyBytes) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request);
      InputStream in = socket.getInputStream();
      Response r = readHead(in);
      byte[] body = in.readNBytes(bodyBytes);
      return new Response(r.statusLine(), r.status(), r.headers(), body, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Response read(InputStream in) throws IOException {
    Response head = readHead(in);
    byte[] body;
    String length = head.header("content-length");
    String te = head.header("transfer-encoding");
    if (length != null) {
      body = in.readNBytes(Integer.parseInt(length.trim()));
    } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      body = chunks(in);
    } else {
      body = in.readAllBytes();
    }
    return new Response(head.statusLine(), head.status(), head.headers(), body, false);
  }

  private static Response readHead(InputStream in) throws IOException {
    String statusLine = line(in);
    if (statusLine == null) {
      throw new IOException("the server closed the connection without a response");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
      int colon = l.indexOf(':');
      headers.merge(
          l.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          l.substring(colon + 1).trim(),
          (a, b) -> a + ", " + b);
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    return new Response(statusLine, status, headers, new byte[0], false);
  }

  private static byte[] chunks(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
      if (size == 0) {
        while (!line(in).isEmpty()) {
          // trailers
        }
        return out.toByteArray();
      }
      out.write(in.readNBytes(size));
      line(in);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }
}
