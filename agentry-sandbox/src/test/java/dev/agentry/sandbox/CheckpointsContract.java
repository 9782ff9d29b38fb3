package dev.agentry.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.BlobException;
import dev.agentry.core.BlobRef;
import dev.agentry.core.BlobStore;
import dev.agentry.core.CheckpointRepository;
import dev.agentry.core.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workspace checkpoints against a blob store: two nodes (two data dirs) share the store and the
 * records, as two servers share S3 and PostgreSQL. Run on every {@link BlobStore}.
 */
abstract class CheckpointsContract {
  static final String SESSION = "sesn_checkpointed1";

  @TempDir Path tmp;
  private BlobStore store;
  final Counting blobs = new Counting();
  final Records records = new Records();
  final List<RuntimeException> failures = new ArrayList<>();
  final List<String> replaced = new ArrayList<>();
  private final AtomicLong seq = new AtomicLong();

  protected abstract BlobStore newStore(Path dir);

  @BeforeEach
  void open() {
    store = newStore(tmp.resolve("blobs"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  WorkspaceCheckpoints node(String name) {
    Path dataDir = tmp.resolve(name);
    return WorkspaceCheckpoints.create(
        blobs,
        records,
        Workspaces.of(dataDir),
        dataDir.resolve("checkpoints"),
        Clock.systemUTC(),
        replaced::add,
        new WorkspaceCheckpoints.Observer() {
          @Override
          public void taken(WorkspaceCheckpoints.Taken taken) {}

          @Override
          public void failed(String sessionId, RuntimeException e) {
            failures.add(e);
          }

          @Override
          public void restored(String sessionId, Duration took, long bytes) {}
        });
  }

  Path workspace(String node) {
    return Workspaces.of(tmp.resolve(node)).create(SESSION);
  }

  @Test
  void aNodeWithoutTheWorkspaceRestoresContentModesLinksAndEmptyFolders() throws IOException {
    Path a = workspace("a");
    write(a.resolve("notes.txt"), "hello\n", "rw-r--r--");
    write(a.resolve("bin/run.sh"), "#!/bin/sh\necho hi\n", "rwxr-x---");
    write(a.resolve("secret/key"), "k", "r--------");
    write(a.resolve("deep/er/still/file.bin"), "\u0000\u0001bytes", "rw-------");
    Files.createDirectories(a.resolve("empty/inside"));
    Files.setPosixFilePermissions(a.resolve("empty"), PosixFilePermissions.fromString("rwx------"));
    Files.createDirectory(a.resolve("readonly"));
    write(a.resolve("readonly/kept"), "x", "rw-r--r--");
    Files.setPosixFilePermissions(
        a.resolve("readonly"), PosixFilePermissions.fromString("r-xr-xr-x"));
    Files.createSymbolicLink(a.resolve("link"), Path.of("notes.txt"));
    Files.createSymbolicLink(a.resolve("dangling"), Path.of("/nonexistent/target"));
    Files.setLastModifiedTime(
        a.resolve("notes.txt"), FileTime.from(Instant.parse("2020-01-02T03:04:05.123456Z")));

    assertThat(node("a").checkpoint(SESSION, seq.incrementAndGet())).isPresent();
    WorkspaceCheckpoints b = node("b");
    assertThat(b.restoreIfBehind(SESSION)).isTrue();

    Path restored = Workspaces.of(tmp.resolve("b")).path(SESSION);
    assertThat(tree(restored)).isEqualTo(tree(a)).hasSize(15);
    assertThat(b.restoreIfBehind(SESSION)).as("the copy is current now").isFalse();
  }

  @Test
  void aCheckpointUploadsOnlyWhatChanged() throws IOException {
    Path a = workspace("a");
    Random random = new Random(7);
    for (int i = 0; i < 20; i++) {
      byte[] bytes = new byte[100_000];
      random.nextBytes(bytes);
      Files.write(a.resolve("file-" + i + ".bin"), bytes);
    }
    WorkspaceCheckpoints node = node("a");
    WorkspaceCheckpoints.Taken first =
        node.checkpoint(SESSION, seq.incrementAndGet()).orElseThrow();
    assertThat(first.filesUploaded()).isEqualTo(20);
    long afterFirst = blobs.uploaded.get();
    assertThat(afterFirst).isGreaterThanOrEqualTo(2_000_000);

    long statsBefore = blobs.stats.get();
    byte[] changed = new byte[100_000];
    random.nextBytes(changed);
    Files.write(a.resolve("file-3.bin"), changed);
    WorkspaceCheckpoints.Taken second =
        node.checkpoint(SESSION, seq.incrementAndGet()).orElseThrow();

    long manifestSize = blobs.lastPutSize.get();
    assertThat(blobs.stats.get() - statsBefore)
        .as("only the changed file is hashed and looked up; the others keep their blobs")
        .isEqualTo(1);
    assertThat(second.filesUploaded()).isEqualTo(1);
    assertThat(blobs.uploaded.get() - afterFirst).isEqualTo(100_000 + manifestSize);

    assertThat(node.checkpoint(SESSION, seq.incrementAndGet()))
        .as("nothing changed: nothing recorded")
        .isEmpty();
    assertThat(records.all.get(SESSION)).hasSize(2);
  }

  @Test
  void aCopyBehindTheCheckpointIsNeverCheckpointedAndIsReplacedBeforeUse() throws IOException {
    Path a = workspace("a");
    write(a.resolve("f"), "one", "rw-r--r--");
    WorkspaceCheckpoints nodeA = node("a");
    nodeA.checkpoint(SESSION, seq.incrementAndGet()).orElseThrow();

    WorkspaceCheckpoints nodeB = node("b");
    nodeB.restoreIfBehind(SESSION);
    Path b = Workspaces.of(tmp.resolve("b")).path(SESSION);
    write(b.resolve("f"), "two, written on b", "rw-r--r--");
    String newer = nodeB.checkpoint(SESSION, seq.incrementAndGet()).orElseThrow().manifest();

    assertThat(nodeA.checkpoint(SESSION, seq.incrementAndGet())).as("a's copy is old").isEmpty();
    assertThat(records.latest(SESSION).orElseThrow().manifest()).isEqualTo(newer);
    assertThat(nodeA.restoreIfBehind(SESSION)).isTrue();
    assertThat(Files.readString(a.resolve("f"))).isEqualTo("two, written on b");
    assertThat(replaced)
        .as("a's sandbox is closed before its folder is replaced")
        .contains(SESSION);
  }

  @Test
  void aRunnerWhoseLeaseMoved_recordsNothing_soTheNewHolderRestoresTheLastGoodCheckpoint()
      throws IOException {
    Path a = workspace("a");
    write(a.resolve("f"), "one", "rw-r--r--");
    WorkspaceCheckpoints nodeA = node("a");
    String first = nodeA.checkpoint(SESSION, seq.incrementAndGet(), 0).orElseThrow().manifest();

    // a is paused past its TTL and b takes the lease (token 1) before checkpointing anything; a
    // wakes and checkpoints what its stale run did meanwhile: refused, though its copy looks
    // current (its manifest is still the recorded one).
    records.fences.put(SESSION, 1L);
    write(a.resolve("f"), "stale, on a", "rw-r--r--");
    assertThat(nodeA.checkpoint(SESSION, seq.incrementAndGet(), 0)).isEmpty();
    assertThat(records.latest(SESSION).orElseThrow().manifest()).isEqualTo(first);

    WorkspaceCheckpoints nodeB = node("b");
    assertThat(nodeB.restoreIfBehind(SESSION)).isTrue();
    Path b = Workspaces.of(tmp.resolve("b")).path(SESSION);
    assertThat(Files.readString(b.resolve("f"))).isEqualTo("one");
    write(b.resolve("f"), "two, on b", "rw-r--r--");
    assertThat(nodeB.checkpoint(SESSION, seq.incrementAndGet(), 1)).isPresent();
  }

  @Test
  void aFailedUploadKeepsTheLocalCopyAndTheNextCheckpointRetries() throws IOException {
    Path a = workspace("a");
    write(a.resolve("f"), "one", "rw-r--r--");
    WorkspaceCheckpoints node = node("a");
    String first = node.checkpoint(SESSION, seq.incrementAndGet()).orElseThrow().manifest();

    write(a.resolve("f"), "two", "rw-r--r--");
    blobs.failing.set(true);
    assertThat(node.checkpoint(SESSION, seq.incrementAndGet())).isEmpty();
    assertThat(failures).hasSize(1);
    assertThat(records.latest(SESSION).orElseThrow().manifest()).isEqualTo(first);
    assertThat(node.restoreIfBehind(SESSION)).as("the local copy is kept").isFalse();
    assertThat(Files.readString(a.resolve("f"))).isEqualTo("two");

    blobs.failing.set(false);
    String retried = node.checkpoint(SESSION, seq.incrementAndGet()).orElseThrow().manifest();
    assertThat(retried).isNotEqualTo(first);
    node("b").restoreIfBehind(SESSION);
    assertThat(Files.readString(Workspaces.of(tmp.resolve("b")).path(SESSION).resolve("f")))
        .isEqualTo("two");
  }

  @Test
  void aRestoreThatCannotReadTheCheckpointLeavesTheWorkspaceAsItWas() throws IOException {
    Path a = workspace("a");
    write(a.resolve("f"), "one", "rw-r--r--");
    node("a").checkpoint(SESSION, seq.incrementAndGet()).orElseThrow();
    Path b = workspace("b");
    write(b.resolve("mine"), "b's own", "rw-r--r--");
    blobs.failing.set(true);

    assertThatThrownBy(() -> node("b").restoreIfBehind(SESSION))
        .isInstanceOf(RuntimeException.class);
    assertThat(Files.readString(b.resolve("mine"))).isEqualTo("b's own");
    try (Stream<Path> left = Files.list(b.getParent())) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly(SESSION);
    }
  }

  private static void write(Path p, String content, String mode) throws IOException {
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
  }

  /** Every entry: kind, mode, and a file's bytes and mtime or a link's target. */
  static Map<String, String> tree(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.filter(p -> !p.equals(root)).toList()) {
        String rel = root.relativize(p).toString();
        if (Files.isSymbolicLink(p)) {
          out.put(rel, "link -> " + Files.readSymbolicLink(p));
        } else {
          String mode =
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
          out.put(
              rel,
              Files.isDirectory(p)
                  ? "dir " + mode
                  : "file " + mode + " " + readable(p) + " " + Files.getLastModifiedTime(p));
        }
      }
    }
    return out;
  }

  private static String readable(Path p) throws IOException {
    var perms = Files.getPosixFilePermissions(p);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
    try {
      return TreeCodec.hash(p);
    } finally {
      Files.setPosixFilePermissions(p, perms);
    }
  }

  /** The store under test, counting what is put and able to fail on demand. */
  final class Counting implements BlobStore {
    final AtomicLong uploaded = new AtomicLong();
    final AtomicLong lastPutSize = new AtomicLong();
    final AtomicLong stats = new AtomicLong();
    final AtomicBoolean failing = new AtomicBoolean();

    @Override
    public BlobRef put(InputStream content) {
      check();
      BlobRef ref = store.put(content);
      uploaded.addAndGet(ref.size());
      lastPutSize.set(ref.size());
      return ref;
    }

    @Override
    public InputStream open(String address) {
      check();
      return store.open(address);
    }

    @Override
    public Optional<BlobRef> stat(String address) {
      check();
      stats.incrementAndGet();
      return store.stat(address);
    }

    @Override
    public void delete(String address) {
      store.delete(address);
    }

    @Override
    public void list(String addressPrefix, Consumer<BlobRef> each) {
      store.list(addressPrefix, each);
    }

    @Override
    public String describe() {
      return store.describe();
    }

    @Override
    public void close() {}

    private void check() {
      if (failing.get()) {
        throw new BlobException("the blob store is down (test)");
      }
    }
  }

  /** The records, as the store keeps them: every checkpoint, with the seq it covers. */
  static class Records implements CheckpointRepository {
    final Map<String, List<Checkpoint>> all = new ConcurrentHashMap<>();

    /** Every blob pinned, and every blob a session's checkpoints refer to. */
    final Set<String> pinned = ConcurrentHashMap.newKeySet();

    final Map<String, Set<String>> referred = new ConcurrentHashMap<>();

    @Override
    public void pin(String sessionId, Collection<String> addresses, Instant now) {
      pinned.addAll(addresses);
    }

    @Override
    public synchronized Checkpoint record(
        String sessionId, long coversSeq, String manifest, Set<String> newBlobs, Instant takenAt) {
      if (!sessionId.startsWith("sesn_")) {
        throw new StoreException.NotFound(sessionId);
      }
      assertThat(pinned).as("blobs recorded were pinned first").contains(manifest);
      assertThat(pinned).containsAll(newBlobs);
      Checkpoint c = new Checkpoint(sessionId, coversSeq, manifest, takenAt);
      all.computeIfAbsent(sessionId, id -> new ArrayList<>()).add(c);
      Set<String> refs = referred.computeIfAbsent(sessionId, id -> new TreeSet<>());
      refs.add(manifest);
      refs.addAll(newBlobs);
      return c;
    }

    /** The fence each session's lease has now (0 unless a test moves it). */
    final Map<String, Long> fences = new ConcurrentHashMap<>();

    @Override
    public synchronized Optional<Checkpoint> record(
        String sessionId,
        long coversSeq,
        String manifest,
        Set<String> newBlobs,
        Instant takenAt,
        long fence) {
      if (fences.getOrDefault(sessionId, 0L) != fence) {
        return Optional.empty();
      }
      return Optional.of(record(sessionId, coversSeq, manifest, newBlobs, takenAt));
    }

    @Override
    public synchronized Checkpoint copy(Checkpoint from, String to, long coversSeq, Instant at) {
      referred
          .computeIfAbsent(to, id -> new TreeSet<>())
          .addAll(referred.getOrDefault(from.sessionId(), Set.of()));
      return record(to, coversSeq, from.manifest(), Set.of(), at);
    }

    // The collector's side is the store's (CheckpointGcContract); these records never collect.
    @Override
    public int markOrphans(Instant now) {
      return 0;
    }

    @Override
    public List<String> collectable(Instant cutoff, int limit) {
      return List.of();
    }

    @Override
    public boolean collect(String address, Instant cutoff, Consumer<String> delete) {
      return false;
    }

    @Override
    public List<Checkpoint> untracked(int limit) {
      return List.of();
    }

    @Override
    public void track(Checkpoint checkpoint, Set<String> blobs, Instant now) {}

    @Override
    public synchronized Optional<Checkpoint> latest(String sessionId) {
      return atOrBefore(sessionId, Long.MAX_VALUE);
    }

    @Override
    public synchronized Optional<Checkpoint> atOrBefore(String sessionId, long at) {
      return all.getOrDefault(sessionId, List.of()).stream()
          .filter(c -> c.coversSeq() <= at)
          .reduce((x, y) -> y);
    }
  }
}
