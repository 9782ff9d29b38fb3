package dev.agentry.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The per-session workspaces, {@code <dataDir>/workspaces/<sessionId>}. A workspace outlives every
 * sandbox over it and server restarts; only {@link #remove} deletes it. Session ids are checked
 * against {@code sesn_[A-Za-z0-9]+} so that no id can name a path outside the workspaces folder.
 */
public final class Workspaces {
  private static final Pattern SESSION_ID = Pattern.compile("sesn_[A-Za-z0-9]+");

  private final Path root;

  private Workspaces(Path root) {
    this.root = root;
  }

  /** The workspaces under {@code dataDir} (the folder is made on first {@link #create}). */
  public static Workspaces of(Path dataDir) {
    return new Workspaces(dataDir.toAbsolutePath().normalize().resolve("workspaces"));
  }

  /**
   * Per-session folders directly under {@code root}, with the same checks and careful delete (the
   * server keeps each session's mounted files and outputs so, next to the workspaces).
   */
  public static Workspaces under(Path root) {
    return new Workspaces(root.toAbsolutePath().normalize());
  }

  /** The folder that holds every workspace. */
  public Path root() {
    return root;
  }

  /**
   * Where {@code sessionId}'s workspace lives (it may not exist yet).
   *
   * @throws IllegalArgumentException if the id is not a session id
   */
  public Path path(String sessionId) {
    if (sessionId == null || !SESSION_ID.matcher(sessionId).matches()) {
      throw new IllegalArgumentException(
          "not a session id (expected sesn_ followed by letters and digits): " + sessionId);
    }
    return root.resolve(sessionId);
  }

  /**
   * Makes the workspace if missing and returns it; existing content is kept. The workspaces folder
   * is made {@code rwx--x--x}: a sandbox running under its own uid must traverse it to reach its
   * workspace, but no one else may list the sessions (the data dir's own ancestors must be
   * traversable too).
   */
  public Path create(String sessionId) {
    Path dir = path(sessionId);
    try {
      Files.createDirectories(root);
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
      Files.createDirectories(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create workspace " + dir, e);
    }
  }

  /** Whether the workspace exists. */
  public boolean exists(String sessionId) {
    return Files.isDirectory(path(sessionId), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Deletes the workspace and everything in it. Symbolic links are deleted as links, never
   * followed, so a link the agent made to a path outside cannot make this delete anything there.
   */
  public void remove(String sessionId) {
    removeTree(path(sessionId));
  }

  /** Deletes {@code dir} and everything in it, never following a link. */
  public static void removeTree(Path dir) {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
              makeWritable(d);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
              if (e instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE;
              }
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
              if (e != null && !(e instanceof NoSuchFileException)) {
                throw e;
              }
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove workspace " + dir, e);
    }
  }

  /** The agent may have made a folder read-only; the owner can always give the bit back. */
  private static void makeWritable(Path dir) {
    try {
      Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
      perms.addAll(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS));
      if (perms.addAll(
          Set.of(
              PosixFilePermission.OWNER_READ,
              PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE))) {
        Files.setPosixFilePermissions(dir, perms);
      }
    } catch (IOException e) {
      // Best effort: the delete that follows reports the real failure.
    }
  }
}
