package dev.agentry.sandbox;

import dev.agentry.core.BlobRef;
import dev.agentry.core.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory tree to a {@link Manifest} and back, file contents as blobs. Writing is incremental:
 * a file whose size and modification time match the previous manifest keeps its blob without being
 * read; a changed one is hashed, and uploaded only if the store lacks those bytes.
 */
final class TreeCodec {
  private static final Logger LOG = LoggerFactory.getLogger(TreeCodec.class);
  private static final PosixFilePermission[] BITS = {
    PosixFilePermission.OTHERS_EXECUTE,
    PosixFilePermission.OTHERS_WRITE,
    PosixFilePermission.OTHERS_READ,
    PosixFilePermission.GROUP_EXECUTE,
    PosixFilePermission.GROUP_WRITE,
    PosixFilePermission.GROUP_READ,
    PosixFilePermission.OWNER_EXECUTE,
    PosixFilePermission.OWNER_WRITE,
    PosixFilePermission.OWNER_READ
  };

  /**
   * What one write uploaded, and {@code newBlobs}: the blobs of the files it read (changed since
   * the previous manifest), which the checkpoint refers to and its session's earlier ones may not.
   */
  record Written(Manifest manifest, int filesUploaded, long bytesUploaded, Set<String> newBlobs) {}

  /** A file whose size or modification time changed: hashed, maybe to upload. */
  private record Changed(int entry, Path file, String hash) {}

  private final BlobStore blobs;

  TreeCodec(BlobStore blobs) {
    this.blobs = blobs;
  }

  /**
   * Reads {@code root} into a manifest, uploading the files that changed since {@code before}. The
   * blobs of changed files are passed to {@code pin} before the store is asked whether it has them,
   * so a collector cannot delete one between that answer and the checkpoint's record.
   */
  Written write(Path root, Manifest before, Consumer<Collection<String>> pin) throws IOException {
    Map<String, Manifest.Entry> previous = before.files();
    List<Manifest.Entry> entries = new ArrayList<>();
    List<Changed> changed = new ArrayList<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs)
              throws IOException {
            if (!d.equals(root)) {
              entries.add(Manifest.Entry.dir(relative(root, d), mode(d, attrs)));
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
            String path = relative(root, f);
            if (attrs.isSymbolicLink()) {
              entries.add(Manifest.Entry.link(path, Files.readSymbolicLink(f).toString()));
            } else if (attrs.isRegularFile()) {
              long mtime = attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS);
              Manifest.Entry was = previous.get(path);
              String blob;
              if (was != null && was.size() == attrs.size() && was.mtimeNanos() == mtime) {
                blob = was.blob();
              } else {
                blob = hash(f);
                changed.add(new Changed(entries.size(), f, blob));
              }
              entries.add(Manifest.Entry.file(path, mode(f, attrs), attrs.size(), mtime, blob));
            } else {
              LOG.debug("checkpoint: skipping {} (neither a file, a folder nor a link)", f);
            }
            return FileVisitResult.CONTINUE;
          }
        });
    Set<String> newBlobs = new TreeSet<>();
    changed.forEach(c -> newBlobs.add(c.hash()));
    pin.accept(newBlobs);
    int files = 0;
    long bytes = 0;
    for (Changed c : changed) {
      if (blobs.exists(c.hash())) {
        continue;
      }
      BlobRef stored;
      try (InputStream in = Files.newInputStream(c.file(), LinkOption.NOFOLLOW_LINKS)) {
        stored = blobs.put(in);
      }
      if (!stored.address().equals(c.hash())) {
        // The file changed since it was hashed: refer to what was stored, pinned in its turn (a
        // put of stored bytes is a no-op, so the second makes sure they are still there).
        pin.accept(Set.of(stored.address()));
        try (InputStream in = Files.newInputStream(c.file(), LinkOption.NOFOLLOW_LINKS)) {
          stored = blobs.put(in);
        }
        newBlobs.add(stored.address());
        Manifest.Entry e = entries.get(c.entry());
        entries.set(
            c.entry(),
            Manifest.Entry.file(
                e.path(), e.mode(), stored.size(), e.mtimeNanos(), stored.address()));
      }
      files++;
      bytes += stored.size();
    }
    entries.sort(Comparator.comparing(Manifest.Entry::path));
    return new Written(new Manifest(Manifest.VERSION, entries), files, bytes, newBlobs);
  }

  /**
   * Writes {@code manifest}'s tree into {@code target}, an empty folder; returns the bytes read.
   * Links come last, so no file is ever written through one; folders get their modes after their
   * content is in (a read-only folder is filled first).
   */
  long read(Manifest manifest, Path target) throws IOException {
    long bytes = 0;
    List<Manifest.Entry> dirs = new ArrayList<>();
    for (Manifest.Entry e : manifest.entries()) {
      Path p = inside(target, e.path());
      switch (e.kind()) {
        case DIR -> {
          Files.createDirectories(p);
          dirs.add(e);
        }
        case FILE -> {
          Files.createDirectories(p.getParent());
          try (InputStream in = blobs.open(e.blob());
              OutputStream out = Files.newOutputStream(p)) {
            bytes += in.transferTo(out);
          }
          Files.setPosixFilePermissions(p, permissions(e.mode()));
          Files.setLastModifiedTime(p, FileTime.from(e.mtimeNanos(), TimeUnit.NANOSECONDS));
        }
        case LINK -> {}
      }
    }
    for (Manifest.Entry e : manifest.entries()) {
      if (e.kind() == Manifest.Kind.LINK) {
        Path p = inside(target, e.path());
        Files.createDirectories(p.getParent());
        Files.createSymbolicLink(p, Path.of(e.target()));
      }
    }
    dirs.sort(Comparator.comparing(Manifest.Entry::path).reversed());
    for (Manifest.Entry d : dirs) {
      Files.setPosixFilePermissions(inside(target, d.path()), permissions(d.mode()));
    }
    return bytes;
  }

  /** The entry's place under {@code root}; a manifest path may not leave it. */
  private static Path inside(Path root, String path) {
    Path p = root.resolve(path).normalize();
    if (path.isEmpty() || Path.of(path).isAbsolute() || !p.startsWith(root) || p.equals(root)) {
      throw new IllegalArgumentException("a checkpoint entry names a path outside: " + path);
    }
    return p;
  }

  private static String relative(Path root, Path p) {
    return root.relativize(p).toString();
  }

  private static int mode(Path p, BasicFileAttributes attrs) throws IOException {
    Set<PosixFilePermission> perms =
        attrs instanceof PosixFileAttributes posix
            ? posix.permissions()
            : Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
    int mode = 0;
    for (int i = 0; i < BITS.length; i++) {
      if (perms.contains(BITS[i])) {
        mode |= 1 << i;
      }
    }
    return mode;
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    for (int i = 0; i < BITS.length; i++) {
      if ((mode & (1 << i)) != 0) {
        perms.add(BITS[i]);
      }
    }
    return perms;
  }

  static String hash(Path f) throws IOException {
    MessageDigest sha = sha256();
    try (InputStream in =
        new DigestInputStream(Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS), sha)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  static String hash(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@code bytes} to {@code file} whole or not at all. */
  static void writeAtomically(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
      Files.write(tmp, bytes);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
