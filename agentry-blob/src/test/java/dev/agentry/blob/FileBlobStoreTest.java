package dev.agentry.blob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.BlobStore;
import dev.agentry.testkit.BlobStoreContract;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlobStoreTest extends BlobStoreContract {
  @TempDir Path dir;

  @Override
  protected BlobStore newStore() {
    return BlobStores.filesystem(dir.resolve("blobs"));
  }

  @Override
  protected List<String> leftovers() {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> !isShardedBlob(dir.resolve("blobs"), p))
          .map(Path::toString)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean isShardedBlob(Path root, Path p) {
    String name = p.getFileName().toString();
    return p.getParent().getParent().getParent().equals(root)
        && p.getParent().getFileName().toString().equals(name.substring(2, 4))
        && p.getParent().getParent().getFileName().toString().equals(name.substring(0, 2));
  }

  @Test
  void blobs_areStoredInShardedDirectoriesNamedByTheirAddress() {
    var ref = store.put(new ByteArrayInputStream("sharded".getBytes(StandardCharsets.UTF_8)));
    String a = ref.address();

    assertThat(
            dir.resolve("blobs").resolve(a.substring(0, 2)).resolve(a.substring(2, 4)).resolve(a))
        .hasContent("sharded");
  }

  @Test
  void opening_sweepsOnlyStaleUploadsLeftByACrash() throws IOException {
    Path root = Files.createDirectories(dir.resolve("swept"));
    Instant now = Instant.parse("2026-12-03T12:00:00Z");
    Path stale = Files.writeString(root.resolve(".upload-1.tmp"), "half");
    Files.setLastModifiedTime(
        stale, FileTime.from(now.minus(FileBlobStore.STALE_UPLOAD).minusSeconds(1)));
    Path inFlight = Files.writeString(root.resolve(".upload-2.tmp"), "half");
    Files.setLastModifiedTime(inFlight, FileTime.from(now.minusSeconds(60)));

    new FileBlobStore(root, Clock.fixed(now, ZoneOffset.UTC)).close();

    assertThat(stale).doesNotExist();
    assertThat(inFlight).exists();
  }
}
