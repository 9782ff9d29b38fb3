package dev.agentry.sandbox;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A {@code du}-style size of a workspace, checked after each call because no cgroup bounds disk and
 * a loop-mounted image per workspace would need root and mount management in the workspace owner's
 * code. Symlinks are never followed (the agent makes them); the walk stops early once the quota is
 * exceeded.
 */
final class WorkspaceUsage {
  private WorkspaceUsage() {}

  static long bytes(Path root, long stopAbove) {
    if (stopAbove <= 0 || stopAbove == Long.MAX_VALUE) {
      return 0;
    }
    long[] sum = {0};
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              sum[0] += attrs.size();
              return sum[0] > stopAbove ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      return sum[0];
    }
    return sum[0];
  }
}
