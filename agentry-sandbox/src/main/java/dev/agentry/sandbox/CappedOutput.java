package dev.agentry.sandbox;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Keeps the first {@code cap} bytes of a command's output and only counts the rest, so a 50 MB line
 * (or an endless {@code yes}) never grows the heap past the cap.
 */
final class CappedOutput {
  private final int cap;
  private final ByteArrayOutputStream kept;
  private long total;

  CappedOutput(int cap) {
    this.cap = Math.max(0, cap);
    this.kept = new ByteArrayOutputStream(Math.min(this.cap, 8192));
  }

  synchronized void write(byte[] b, int off, int len) {
    total += len;
    int room = cap - kept.size();
    if (room > 0) {
      kept.write(b, off, Math.min(room, len));
    }
  }

  synchronized long total() {
    return total;
  }

  synchronized boolean truncated() {
    return total > cap;
  }

  /** The kept bytes as text, with a note saying how much was dropped. */
  synchronized String text() {
    String s = kept.toString(StandardCharsets.UTF_8);
    if (truncated()) {
      s +=
          (s.isEmpty() || s.endsWith("\n") ? "" : "\n")
              + "[output truncated: "
              + total
              + " bytes, showing the first "
              + cap
              + "]";
    }
    return s;
  }
}
