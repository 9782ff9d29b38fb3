package dev.agentry.server;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Writes an HTTP/1.1 response as an HTTP/1.0 client can read it. Helidon frames a response of
 * unknown length (an SSE stream) with chunked transfer coding, which HTTP/1.0 lacks: this writer
 * drops the {@code Transfer-Encoding: chunked} header and the chunk framing, so the body is the
 * bytes up to the close of the connection ({@link Http10Request} asks for that close). Interim
 * {@code 1xx} responses are dropped: HTTP/1.0 has none. A response with a {@code Content-Length}
 * passes unchanged. Writes keep their timing: what Helidon writes now (an SSE frame) is written
 * now.
 */
final class UnchunkingWriter implements DataWriter {
  private enum State {
    HEAD,
    BODY,
    CHUNK_SIZE,
    CHUNK_DATA,
    CHUNK_END,
    TRAILERS,
    DONE
  }

  private final DataWriter socket;
  private final ByteArrayOutputStream head = new ByteArrayOutputStream();
  private final StringBuilder line = new StringBuilder();
  private State state = State.HEAD;
  private long chunkRemaining;
  private int lastFour;

  private static final int CRLF_CRLF = 0x0d0a0d0a;

  UnchunkingWriter(DataWriter socket) {
    this.socket = socket;
  }

  /** Whether the (final) response's head has been written: the one request has been answered. */
  boolean responseStarted() {
    return state != State.HEAD;
  }

  @Override
  public void write(BufferData... buffers) {
    BufferData out = transform(buffers);
    if (out != null) {
      socket.write(out);
    }
  }

  @Override
  public void write(BufferData buffer) {
    write(new BufferData[] {buffer});
  }

  @Override
  public void writeNow(BufferData... buffers) {
    BufferData out = transform(buffers);
    if (out != null) {
      socket.writeNow(out);
    }
  }

  @Override
  public void writeNow(BufferData buffer) {
    writeNow(new BufferData[] {buffer});
  }

  @Override
  public void flush() {
    socket.flush();
  }

  @Override
  public void close() {
    socket.close();
  }

  private BufferData transform(BufferData... buffers) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (BufferData buffer : buffers) {
      byte[] bytes = new byte[buffer.available()];
      buffer.read(bytes);
      int i = 0;
      while (i < bytes.length) {
        i = step(bytes, i, out);
      }
    }
    return out.size() == 0 ? null : BufferData.create(out.toByteArray());
  }

  /** Consumes input from {@code i}, returns the index after what it consumed. */
  private int step(byte[] in, int i, ByteArrayOutputStream out) {
    switch (state) {
      case HEAD -> {
        head.write(in[i]);
        lastFour = (lastFour << 8) | (in[i] & 0xff);
        if (lastFour == CRLF_CRLF) {
          writeHead(out);
        }
        return i + 1;
      }
      case BODY -> {
        out.write(in, i, in.length - i);
        return in.length;
      }
      case CHUNK_DATA -> {
        int n = (int) Math.min(chunkRemaining, in.length - i);
        out.write(in, i, n);
        chunkRemaining -= n;
        if (chunkRemaining == 0) {
          state = State.CHUNK_END;
        }
        return i + n;
      }
      case CHUNK_SIZE, CHUNK_END, TRAILERS -> {
        if (in[i] == '\n') {
          endOfLine(line.toString().trim());
          line.setLength(0);
        } else if (in[i] != '\r') {
          line.append((char) (in[i] & 0xff));
        }
        return i + 1;
      }
      case DONE -> {
        return in.length;
      }
    }
    throw new IllegalStateException(state.name());
  }

  private void endOfLine(String text) {
    switch (state) {
      case CHUNK_SIZE -> {
        int ext = text.indexOf(';');
        chunkRemaining = Long.parseLong(ext < 0 ? text : text.substring(0, ext).trim(), 16);
        state = chunkRemaining == 0 ? State.TRAILERS : State.CHUNK_DATA;
      }
      case CHUNK_END -> state = State.CHUNK_SIZE;
      case TRAILERS -> {
        if (text.isEmpty()) {
          state = State.DONE;
        }
      }
      default -> throw new IllegalStateException(state.name());
    }
  }

  private void writeHead(ByteArrayOutputStream out) {
    String text = head.toString(StandardCharsets.ISO_8859_1);
    head.reset();
    lastFour = 0;
    String[] lines = text.split("\r\n");
    if (lines[0].matches("HTTP/\\d\\.\\d 1\\d\\d.*")) {
      return;
    }
    boolean chunked = false;
    StringBuilder kept = new StringBuilder();
    for (String l : lines) {
      String lower = l.toLowerCase(Locale.ROOT);
      if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
        continue;
      }
      kept.append(l).append("\r\n");
    }
    kept.append("\r\n");
    out.writeBytes(kept.toString().getBytes(StandardCharsets.ISO_8859_1));
    state = chunked ? State.CHUNK_SIZE : State.BODY;
  }
}
