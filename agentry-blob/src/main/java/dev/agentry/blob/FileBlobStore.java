package dev.agentry.blob;

import dev.agentry.core.BlobException;
import dev.agentry.core.BlobRef;
import dev.agentry.core.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Blobs as files under one directory, at {@code ab/cd/abcd…} (two levels of shards keep directories
 * small). A put spools to a temporary file in the root, syncs it, and renames it into place: a
 * rename within one filesystem is atomic, so a blob's path shows all of it or nothing.
 */
final class FileBlobStore implements BlobStore {
  /** Older temporary files are leftovers of a crash; younger ones may be another node's upload. */
  static final Duration STALE_UPLOAD = Duration.ofHours(1);

  private final Path root;

  FileBlobStore(Path root, Clock clock) {
    this.root = root.toAbsolutePath().normalize();
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw new BlobException("cannot create the blob directory " + this.root + ": " + e, e);
    }
    sweepStaleUploads(clock);
  }

  @Override
  public BlobRef put(InputStream content) {
    Spooled spooled = Spooled.copy(content, root);
    Path target = path(spooled.ref().address());
    try {
      if (Files.exists(target)) {
        spooled.discard();
        return spooled.ref();
      }
      Files.createDirectories(target.getParent());
      Files.move(spooled.file(), target, StandardCopyOption.ATOMIC_MOVE);
      syncDirectory(target.getParent());
      return spooled.ref();
    } catch (FileAlreadyExistsException raced) {
      // the same content was stored concurrently: that blob is as good as ours
      spooled.discard();
      return spooled.ref();
    } catch (IOException e) {
      spooled.discard();
      throw new BlobException("cannot store blob " + spooled.ref().address() + ": " + e, e);
    }
  }

  @Override
  public InputStream open(String address) {
    Path p = path(address);
    try {
      return Files.newInputStream(p);
    } catch (NoSuchFileException e) {
      throw new BlobException.NotFound(address);
    } catch (IOException e) {
      throw new BlobException("cannot read blob " + address + ": " + e, e);
    }
  }

  @Override
  public Optional<BlobRef> stat(String address) {
    Path p = path(address);
    try {
      return Optional.of(new BlobRef(address, Files.size(p)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new BlobException("cannot read blob " + address + ": " + e, e);
    }
  }

  @Override
  public void delete(String address) {
    try {
      Files.deleteIfExists(path(address));
    } catch (IOException e) {
      throw new BlobException("cannot delete blob " + address + ": " + e, e);
    }
  }

  @Override
  public void list(String addressPrefix, Consumer<BlobRef> each) {
    requirePrefix(addressPrefix);
    try (DirectoryStream<Path> first = Files.newDirectoryStream(root)) {
      for (Path d1 : first) {
        if (!Files.isDirectory(d1) || !overlaps(d1, addressPrefix)) {
          continue;
        }
        try (DirectoryStream<Path> second = Files.newDirectoryStream(d1)) {
          for (Path d2 : second) {
            if (Files.isDirectory(d2)
                && overlaps(d1.getFileName() + "" + d2.getFileName(), addressPrefix)) {
              listShard(d2, addressPrefix, each);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new BlobException("cannot list the blob directory " + root + ": " + e, e);
    }
  }

  private static void listShard(Path shard, String prefix, Consumer<BlobRef> each)
      throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (BlobRef.isAddress(name) && name.startsWith(prefix)) {
          try {
            each.accept(new BlobRef(name, Files.size(f)));
          } catch (NoSuchFileException deletedMeanwhile) {
            // deleted while listing: it is not stored any more
          }
        }
      }
    }
  }

  private static boolean overlaps(Path dir, String prefix) {
    return overlaps(dir.getFileName().toString(), prefix);
  }

  private static boolean overlaps(String shard, String prefix) {
    return shard.startsWith(prefix) || prefix.startsWith(shard);
  }

  static String requirePrefix(String prefix) {
    if (prefix == null || prefix.length() > 64 || !prefix.matches("[0-9a-f]*")) {
      throw new IllegalArgumentException(
          "a blob address prefix is up to 64 lowercase hex digits, got '" + prefix + "'");
    }
    return prefix;
  }

  @Override
  public String describe() {
    return "filesystem " + root;
  }

  @Override
  public void close() {
    // nothing held open between calls
  }

  Path root() {
    return root;
  }

  private Path path(String address) {
    BlobRef.requireAddress(address);
    return root.resolve(address.substring(0, 2)).resolve(address.substring(2, 4)).resolve(address);
  }

  /** Makes the rename itself durable: without it a crash can lose a blob the caller was told of. */
  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private void sweepStaleUploads(Clock clock) {
    long cutoff = clock.millis() - STALE_UPLOAD.toMillis();
    try (DirectoryStream<Path> temps =
        Files.newDirectoryStream(root, Spooled.TEMP_PREFIX + "*" + Spooled.TEMP_SUFFIX)) {
      for (Path t : temps) {
        if (Files.getLastModifiedTime(t).toMillis() < cutoff) {
          Files.deleteIfExists(t);
        }
      }
    } catch (IOException e) {
      throw new BlobException("cannot sweep the blob directory " + root + ": " + e, e);
    }
  }
}
