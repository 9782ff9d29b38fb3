package dev.agentry.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Byte-level I/O of the egress proxy: request heads and their headers, TLS records, blocking
 * channel streams, relaying, and the refusal answer.
 */
final class ProxyWire {
  /** The longest request head accepted. */
  static final int MAX_HEADER_BYTES = 64 * 1024;

  private ProxyWire() {}

  /** The request head up to and including the blank line, or null on EOF before any byte. */
  static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int state = 0;
    while (true) {
      int c = in.read();
      if (c < 0) {
        return null;
      }
      buf.write(c);
      state =
          switch (state) {
            case 0, 2 -> c == '\r' ? state + 1 : 0;
            case 1 -> c == '\n' ? 2 : c == '\r' ? 1 : 0;
            case 3 -> c == '\n' ? 4 : c == '\r' ? 1 : 0;
            default -> 0;
          };
      if (state == 4) {
        byte[] all = buf.toByteArray();
        return Arrays.copyOf(all, all.length - 4);
      }
      if (buf.size() > MAX_HEADER_BYTES) {
        return null;
      }
    }
  }

  /** The first TLS record (header included), or null when the stream does not start with one. */
  static byte[] readTlsRecord(InputStream in) throws IOException {
    byte[] hdr = in.readNBytes(5);
    if (hdr.length < 5 || hdr[0] != 0x16) {
      return null;
    }
    int len = ((hdr[3] & 0xff) << 8) | (hdr[4] & 0xff);
    byte[] body = in.readNBytes(len);
    if (body.length < len) {
      return null;
    }
    byte[] all = Arrays.copyOf(hdr, 5 + len);
    System.arraycopy(body, 0, all, 5, len);
    return all;
  }

  static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  /** A buffered input stream over a blocking channel; reads and writes never share a lock. */
  static final class ChannelIn extends InputStream {
    private final SocketChannel ch;
    private final ByteBuffer buf = ByteBuffer.allocate(16 * 1024).flip();

    ChannelIn(SocketChannel ch) {
      this.ch = ch;
    }

    private boolean fill() throws IOException {
      if (buf.hasRemaining()) {
        return true;
      }
      buf.clear();
      int n = ch.read(buf);
      buf.flip();
      return n > 0;
    }

    @Override
    public int read() throws IOException {
      return fill() ? buf.get() & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(len, buf.remaining());
      buf.get(b, off, n);
      return n;
    }
  }

  static final class ChannelOut extends OutputStream {
    private final SocketChannel ch;

    ChannelOut(SocketChannel ch) {
      this.ch = ch;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ByteBuffer bb = ByteBuffer.wrap(b, off, len);
      while (bb.hasRemaining()) {
        ch.write(bb);
      }
    }
  }

  /** The header lines of a request head (its first line is the request line). */
  static List<String[]> parseHeaders(String[] lines) {
    List<String[]> headers = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      int c = lines[i].indexOf(':');
      if (c > 0) {
        headers.add(
            new String[] {lines[i].substring(0, c).trim(), lines[i].substring(c + 1).trim()});
      }
    }
    return headers;
  }

  /** Relays both ways between the client and {@code up} until both have closed. */
  static void pipeBoth(SocketChannel ch, InputStream in, OutputStream out, Socket up)
      throws IOException {
    InputStream upIn = up.getInputStream();
    OutputStream upOut = up.getOutputStream();
    Thread t =
        Thread.ofVirtual()
            .start(
                () -> {
                  copyQuietly(in, upOut);
                  try {
                    up.shutdownOutput();
                  } catch (IOException ignored) {
                    // already closed
                  }
                });
    copyQuietly(upIn, out);
    try {
      ch.shutdownOutput(); // upstream is done: pass the EOF on, so the client closes its side too
    } catch (IOException ignored) {
      // the client is gone
    }
    try {
      t.join(java.time.Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Relays one HTTP/1.x response from {@code up}: interim ({@code 1xx}) heads as they are, the
   * final head with {@code Connection: close} in place of the upstream's connection headers, then
   * the rest of the stream. The proxy closes the client's connection after each response, and a
   * client that was not told so would reuse it, find it dead while sending its next request, and
   * have to rewind that request's body: git cannot rewind a streamed (chunked) push, and fails it.
   */
  static void relayResponse(InputStream up, OutputStream out) {
    try {
      while (true) {
        byte[] head = readHead(up);
        if (head == null) {
          return;
        }
        String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
        boolean interim =
            lines[0].matches("HTTP/1\\.[01] 1[0-9][0-9]( .*)?")
                && !lines[0].startsWith("HTTP/1.1 101");
        StringBuilder sb = new StringBuilder(lines[0]).append("\r\n");
        for (int i = 1; i < lines.length; i++) {
          int c = lines[i].indexOf(':');
          String name = c < 0 ? "" : lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT);
          if (!interim
              && (name.equals("connection")
                  || name.equals("keep-alive")
                  || name.equals("proxy-connection"))) {
            continue;
          }
          sb.append(lines[i]).append("\r\n");
        }
        if (!interim) {
          sb.append("Connection: close\r\n");
        }
        out.write(sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        if (!interim) {
          copyQuietly(up, out);
          return;
        }
      }
    } catch (IOException ignored) {
      // either side closed
    }
  }

  static void copyQuietly(InputStream in, OutputStream out) {
    byte[] buf = new byte[32 * 1024];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException ignored) {
      // either side closed
    }
  }

  /** Answers the client with a plain-text refusal and closes the exchange. */
  static void refuse(OutputStream out, int status, String target, String reason) {
    String phrase =
        switch (status) {
          case 400 -> "Bad Request";
          case 403 -> "Forbidden";
          default -> "Bad Gateway";
        };
    byte[] body =
        ("agentry egress proxy: " + target + " refused: " + reason + "\n")
            .getBytes(StandardCharsets.UTF_8);
    String head =
        "HTTP/1.1 "
            + status
            + " "
            + phrase
            + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
            + body.length
            + "\r\nX-Agentry-Egress: denied\r\nConnection: close\r\n\r\n";
    try {
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
    } catch (IOException ignored) {
      // the client went away
    }
  }

  static String header(List<String[]> headers, String name) {
    for (String[] h : headers) {
      if (h[0].equalsIgnoreCase(name)) {
        return h[1];
      }
    }
    return null;
  }
}
