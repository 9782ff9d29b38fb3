package dev.agentry.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal SSE subscriber on a plain blocking socket: sends one HTTP/1.1 GET, checks the status,
 * decodes the chunked body and hands out its lines. It does per line what a thin client must (read,
 * de-chunk, split, decode) and nothing more, so that on a machine the client shares with the
 * server, the measured delivery is not dominated by the client's own thread hand-offs.
 */
final class SocketSseLines implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private byte[] spill = new byte[1024];
  private final byte[] buf = new byte[64 * 1024];
  private int pos;
  private int limit;
  private long chunkLeft;
  private boolean ended;

  SocketSseLines(String host, int port, String path, String apiKey) throws IOException {
    socket = new Socket(host, port);
    socket.setTcpNoDelay(true);
    in = socket.getInputStream();
    OutputStream out = socket.getOutputStream();
    out.write(
        ("GET "
                + path
                + " HTTP/1.1\r\nHost: "
                + host
                + ":"
                + port
                + "\r\nx-api-key: "
                + apiKey
                + "\r\naccept: text/event-stream\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    String status = rawLine();
    if (status == null || !status.startsWith("HTTP/1.1 200")) {
      throw new IOException("stream answered " + status);
    }
    boolean chunked = false;
    for (String h = rawLine(); h != null && !h.isEmpty(); h = rawLine()) {
      chunked |= h.toLowerCase(java.util.Locale.ROOT).equals("transfer-encoding: chunked");
    }
    if (!chunked) {
      throw new IOException("the stream is not chunked");
    }
  }

  /** The next line of the event stream without its terminator, or null at the end. */
  String next() throws IOException {
    int pending = 0;
    while (true) {
      if (chunkLeft == 0 && !nextChunk()) {
        return null;
      }
      if (pos == limit && !fill()) {
        return null;
      }
      int end = (int) Math.min(limit, pos + chunkLeft);
      for (int i = pos; i < end; i++) {
        if (buf[i] == '\n') {
          String line;
          if (pending == 0) {
            line = new String(buf, pos, i - pos, StandardCharsets.UTF_8);
          } else {
            append(pending, pos, i - pos);
            line = new String(spill, 0, pending + i - pos, StandardCharsets.UTF_8);
          }
          chunkLeft -= i + 1 - pos;
          pos = i + 1;
          return line;
        }
      }
      // The line goes on in the next chunk or read: keep what we have.
      append(pending, pos, end - pos);
      pending += end - pos;
      chunkLeft -= end - pos;
      pos = end;
    }
  }

  private void append(int at, int from, int length) {
    if (spill.length < at + length) {
      spill = java.util.Arrays.copyOf(spill, Math.max(spill.length * 2, at + length));
    }
    System.arraycopy(buf, from, spill, at, length);
  }

  /** Reads the next chunk-size line; false at the end of the body. */
  private boolean nextChunk() throws IOException {
    while (chunkLeft == 0) {
      if (ended) {
        return false;
      }
      String size = rawLine();
      if (size == null) {
        return false;
      }
      if (size.isEmpty()) {
        continue; // the CRLF after a chunk's data
      }
      int ext = size.indexOf(';');
      chunkLeft = Long.parseLong((ext < 0 ? size : size.substring(0, ext)).trim(), 16);
      if (chunkLeft == 0) {
        ended = true;
        return false;
      }
    }
    return true;
  }

  private boolean fill() throws IOException {
    int n = in.read(buf, 0, buf.length);
    if (n <= 0) {
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }

  /** One byte from the socket through an unsynchronized buffer, or -1 at its end. */
  private int read() throws IOException {
    if (pos == limit && !fill()) {
      return -1;
    }
    return buf[pos++] & 0xff;
  }

  /** One CRLF-terminated line of the HTTP framing (status, header, chunk size). */
  private String rawLine() throws IOException {
    StringBuilder sb = new StringBuilder();
    int b;
    while ((b = read()) >= 0 && b != '\n') {
      if (b != '\r') {
        sb.append((char) b);
      }
    }
    return b < 0 && sb.isEmpty() ? null : sb.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
