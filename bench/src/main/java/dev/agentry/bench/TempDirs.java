package dev.agentry.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary data directories that are deleted afterwards. */
final class TempDirs {
  private TempDirs() {}

  /** A fresh directory under {@code java.io.tmpdir} (or {@code AGENTRY_BENCH_DIR} if set). */
  static Path create(String prefix) {
    try {
      String base = System.getenv("AGENTRY_BENCH_DIR");
      return base == null || base.isBlank()
          ? Files.createTempDirectory(prefix)
          : Files.createTempDirectory(Files.createDirectories(Path.of(base)), prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e.getMessage());
    }
  }
}
