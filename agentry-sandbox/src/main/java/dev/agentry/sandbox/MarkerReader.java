package dev.agentry.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads the persistent shell's stdout: command output until a sentinel, streamed into a {@link
 * CappedOutput} (never buffered whole), then the short trailer lines the protocol prints after it.
 *
 * <p>The sentinel is found with a KMP automaton over each chunk, so a marker split across two reads
 * is still found and the bytes of a partial match are emitted once it fails.
 */
final class MarkerReader {
  private final InputStream in;
  private final byte[] buf = new byte[64 * 1024];
  private int pos;
  private int limit;

  MarkerReader(InputStream in) {
    this.in = in;
  }

  /**
   * Copies bytes to {@code sink} until {@code marker} has been read (it is not copied).
   *
   * @return false if the stream ended first
   */
  boolean copyUntil(byte[] marker, CappedOutput sink) throws IOException {
    int[] fail = failureTable(marker);
    int state = 0; // the last `state` bytes read equal marker[0..state) and are held back
    while (true) {
      if (pos == limit && !fill()) {
        sink.write(marker, 0, state);
        return false;
      }
      int run = pos; // start of a run of plain bytes, written in one go
      while (pos < limit) {
        byte b = buf[pos];
        if (state == 0 && b != marker[0]) {
          pos++;
          continue;
        }
        sink.write(buf, run, pos - run);
        int next = state;
        while (next > 0 && marker[next] != b) {
          next = fail[next - 1];
        }
        if (marker[next] == b) {
          next++;
        }
        // Held back + b is state+1 bytes; the new held-back prefix is the last `next` of them.
        int emit = state + 1 - next;
        sink.write(marker, 0, Math.min(emit, state));
        if (emit > state) {
          sink.write(buf, pos, 1);
        }
        state = next;
        pos++;
        run = pos;
        if (state == marker.length) {
          return true;
        }
      }
      sink.write(buf, run, pos - run);
    }
  }

  /** One line of the trailer, without its newline; null at end of stream. */
  String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      if (pos == limit && !fill()) {
        return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
      }
      byte b = buf[pos++];
      if (b == '\n') {
        return line.toString(StandardCharsets.UTF_8);
      }
      line.write(b);
    }
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

  private static int[] failureTable(byte[] p) {
    int[] f = new int[p.length];
    int k = 0;
    for (int i = 1; i < p.length; i++) {
      while (k > 0 && p[i] != p[k]) {
        k = f[k - 1];
      }
      if (p[i] == p[k]) {
        k++;
      }
      f[i] = k;
    }
    return f;
  }
}
