package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.BlobRef;
import dev.agentry.core.BlobStore;
import dev.agentry.core.CheckpointRepository.Checkpoint;
import dev.agentry.core.Store;
import dev.agentry.core.Workspace;
import dev.agentry.sandbox.CheckpointCollector;
import dev.agentry.sandbox.WorkspaceCheckpoints;
import dev.agentry.sandbox.Workspaces;
import dev.agentry.testkit.StoreFixtures;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoint blob collection (ADR 0049) on a real store and blob store, as two nodes share them: a
 * blob any checkpoint refers to is never deleted, an unreferenced one is once past the grace, and a
 * checkpoint written while the collector runs keeps its blobs. Run on SQLite and PostgreSQL, each
 * with the filesystem and S3 (S3Proxy) blob stores.
 */
abstract class CheckpointGcContract {
  static final Duration GRACE = Duration.ofHours(1);

  @TempDir Path tmp;
  Store store;
  BlobStore blobs;

  /** Runs just before the blob store answers whether a blob exists (the writer's check). */
  volatile Consumer<String> onExists = a -> {};

  /** Runs just before the blob store deletes a blob (inside the collector's hold on it). */
  volatile Consumer<String> onDelete = a -> {};

  final Turning clock = new Turning(Instant.parse("2026-06-01T00:00:00Z"));
  CheckpointCollector collector;

  protected abstract Store newStore(Path dir);

  protected abstract BlobStore newBlobStore(Path dir);

  @BeforeEach
  void open() {
    store = newStore(tmp.resolve("db"));
    blobs = new Hooked(newBlobStore(tmp.resolve("blobs")));
    collector = new CheckpointCollector(blobs, store.checkpoints(), clock, GRACE);
  }

  @AfterEach
  void close() {
    blobs.close();
    store.close();
    closed();
  }

  /** After the store is closed (a test database can go then). */
  protected void closed() {}

  @Test
  void everyBlobOfEveryCheckpointOfALiveSession_outlivesTheGrace_andForkPointsStillRestore()
      throws Exception {
    String s = session();
    WorkspaceCheckpoints a = node("a");
    write("a", s, "kept.txt", "the same in both");
    write("a", s, "changed.txt", "first");
    Checkpoint first = take(a, s, 1);
    write("a", s, "changed.txt", "second, after the first checkpoint");
    take(a, s, 2);
    Set<String> all = blobsOf(first.manifest());
    all.addAll(blobsOf(store.checkpoints().latest(s).orElseThrow().manifest()));

    for (int i = 0; i < 3; i++) {
      clock.turn(GRACE.multipliedBy(2));
      assertThat(collector.collect().deleted()).as("collection %s", i).isZero();
    }
    assertThat(all).allMatch(blobs::exists);
    // A fork from the first event still finds the workspace as it was then.
    WorkspaceCheckpoints b = node("b");
    b.restore(s, store.checkpoints().atOrBefore(s, 1).orElseThrow().manifest());
    assertThat(read("b", s, "changed.txt")).isEqualTo("first");
  }

  @Test
  void aDeletedSessionsBlobs_goOncePastTheGrace_exceptThoseAnotherSessionStillUses()
      throws Exception {
    String gone = session();
    String live = session();
    WorkspaceCheckpoints a = node("a");
    write("a", gone, "shared.txt", "both sessions have this");
    write("a", gone, "own.txt", "only the deleted session has this");
    take(a, gone, 1);
    write("a", live, "shared.txt", "both sessions have this");
    take(a, live, 1);
    Set<String> goneBlobs = blobsOf(store.checkpoints().latest(gone).orElseThrow().manifest());
    Set<String> liveBlobs = blobsOf(store.checkpoints().latest(live).orElseThrow().manifest());

    store.sessions().delete(gone);
    assertThat(collector.collect().deleted()).as("at once: within the grace").isZero();
    clock.turn(GRACE.minusMinutes(1));
    assertThat(collector.collect().deleted()).as("still within the grace").isZero();
    clock.turn(Duration.ofMinutes(2));
    Set<String> onlyGone = new HashSet<>(goneBlobs);
    onlyGone.removeAll(liveBlobs);
    assertThat(collector.collect().deleted()).isEqualTo(onlyGone.size());

    assertThat(onlyGone).isNotEmpty().noneMatch(blobs::exists);
    assertThat(liveBlobs).allMatch(blobs::exists);
    assertThat(collector.collect().deleted()).as("nothing left to delete").isZero();
  }

  @Test
  void aBlobAFileShares_isLeftToTheFile_whenNoCheckpointNeedsIt() throws Exception {
    String gone = session();
    WorkspaceCheckpoints a = node("a");
    write("a", gone, "upload.txt", "also uploaded through the Files API");
    take(a, gone, 1);
    String fileBlob = TreeHash.of("also uploaded through the Files API");
    store.files().create(Workspace.DEFAULT_ID, StoreFixtures.file(clock.instant(), null, fileBlob));

    store.sessions().delete(gone);
    collector.collect();
    clock.turn(GRACE.plusMinutes(1));
    collector.collect();
    assertThat(blobs.exists(fileBlob)).as("the file's bytes").isTrue();
  }

  @Test
  void aCheckpointPinningAnOrphanWhileTheCollectorRuns_keepsIt() throws Exception {
    String orphan = orphanPastTheGrace("bytes an old session left behind");
    String s = session();
    WorkspaceCheckpoints a = node("a");
    write("a", s, "again.txt", "bytes an old session left behind");
    // The collector runs at the worst moment: the writer has pinned the blob and is about to
    // learn that it is stored (so it will not upload it).
    int[] deleted = {-1};
    onExists =
        address -> {
          if (address.equals(orphan) && deleted[0] < 0) {
            deleted[0] = collector.collect().deleted();
          }
        };
    take(a, s, 1);

    assertThat(deleted[0]).as("the collector ran mid-checkpoint: the old manifest only").isOne();
    assertThat(blobs.exists(orphan)).isTrue();
    node("b").restore(s, store.checkpoints().latest(s).orElseThrow().manifest());
    assertThat(read("b", s, "again.txt")).isEqualTo("bytes an old session left behind");
  }

  @Test
  void aCheckpointStartedWhileTheCollectorDeletesTheBlob_uploadsItAgain() throws Exception {
    String orphan = orphanPastTheGrace("bytes deleted while a checkpoint wants them");
    String s = session();
    WorkspaceCheckpoints a = node("a");
    write("a", s, "again.txt", "bytes deleted while a checkpoint wants them");
    // While the collector holds the blob (deleting it), a checkpoint that needs the same bytes
    // starts; given time to run ahead, it must not find them stored and skip the upload.
    CompletableFuture<Optional<WorkspaceCheckpoints.Taken>> checkpoint = new CompletableFuture<>();
    onDelete =
        address -> {
          if (address.equals(orphan) && !checkpoint.isDone()) {
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        checkpoint.complete(a.checkpoint(s, 1));
                      } catch (RuntimeException e) {
                        checkpoint.completeExceptionally(e);
                      }
                    });
            try {
              checkpoint.get(1, TimeUnit.SECONDS); // it must wait for the collector instead
            } catch (java.util.concurrent.TimeoutException expected) {
              // the pin is waiting on the collector's hold, as it must
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        };
    assertThat(collector.collect().deleted()).as("the blob and the old manifest").isEqualTo(2);
    onDelete = x -> {};

    assertThat(checkpoint.get(30, TimeUnit.SECONDS)).isPresent();
    assertThat(blobs.exists(orphan)).as("uploaded again after the collection").isTrue();
    node("b").restore(s, store.checkpoints().latest(s).orElseThrow().manifest());
    assertThat(read("b", s, "again.txt")).isEqualTo("bytes deleted while a checkpoint wants them");
  }

  /** A blob of {@code content} that only a deleted session referred to, past the grace. */
  private String orphanPastTheGrace(String content) throws Exception {
    String old = session();
    write("old", old, "f.txt", content);
    take(node("old"), old, 1);
    store.sessions().delete(old);
    collector.collect(); // notes it unreferenced
    clock.turn(GRACE.plusMinutes(1));
    String address = TreeHash.of(content);
    assertThat(store.checkpoints().collectable(clock.instant().minus(GRACE), 100))
        .contains(address);
    return address;
  }

  private String session() {
    Instant at = StoreFixtures.uniqueEpoch();
    return store
        .sessions()
        .create(
            StoreFixtures.session(store.agents().create(StoreFixtures.agent(at)), at),
            StoreFixtures.drafts("user.message", 2))
        .id();
  }

  private WorkspaceCheckpoints node(String name) {
    Path dataDir = tmp.resolve(name);
    return WorkspaceCheckpoints.create(
        blobs,
        store.checkpoints(),
        Workspaces.of(dataDir),
        dataDir.resolve("checkpoints"),
        clock,
        id -> {},
        WorkspaceCheckpoints.Observer.NONE);
  }

  private Checkpoint take(WorkspaceCheckpoints node, String session, long seq) {
    assertThat(node.checkpoint(session, seq)).as("checkpoint of %s", session).isPresent();
    return store.checkpoints().latest(session).orElseThrow();
  }

  private void write(String node, String session, String file, String content) throws Exception {
    Workspaces w = Workspaces.of(tmp.resolve(node));
    w.create(session);
    Files.writeString(w.path(session).resolve(file), content);
  }

  private String read(String node, String session, String file) throws Exception {
    return Files.readString(Workspaces.of(tmp.resolve(node)).path(session).resolve(file));
  }

  private Set<String> blobsOf(String manifest) {
    return new HashSet<>(WorkspaceCheckpoints.blobsOf(manifest, blobs));
  }

  /** SHA-256 addresses, as the blob store names content. */
  static final class TreeHash {
    static String of(String content) throws Exception {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(content.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
  }

  /** A clock the test turns forward. */
  static final class Turning extends Clock {
    private volatile Instant now;

    Turning(Instant start) {
      now = start;
    }

    void turn(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  /** The store under test, with the test's hooks before exists and delete. */
  private final class Hooked implements BlobStore {
    private final BlobStore inner;

    Hooked(BlobStore inner) {
      this.inner = inner;
    }

    @Override
    public BlobRef put(InputStream content) {
      return inner.put(content);
    }

    @Override
    public InputStream open(String address) {
      return inner.open(address);
    }

    @Override
    public Optional<BlobRef> stat(String address) {
      return inner.stat(address);
    }

    @Override
    public boolean exists(String address) {
      onExists.accept(address);
      return inner.exists(address);
    }

    @Override
    public void delete(String address) {
      onDelete.accept(address);
      inner.delete(address);
    }

    @Override
    public void list(String addressPrefix, Consumer<BlobRef> each) {
      inner.list(addressPrefix, each);
    }

    @Override
    public String describe() {
      return inner.describe();
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
