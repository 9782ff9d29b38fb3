package dev.agentry.sandbox;

import dev.agentry.core.BlobStore;
import dev.agentry.core.CheckpointRepository;
import dev.agentry.core.CheckpointRepository.Checkpoint;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workspaces that move between nodes: a session's workspace is checkpointed to the {@link
 * BlobStore} (a {@link Manifest} blob over one blob per file) and recorded in the store, and a node
 * whose copy is missing or older than the recorded checkpoint restores it before using it.
 *
 * <p>Each node keeps, per session, the manifest of the checkpoint its copy last matched ({@code
 * <stateDir>/<sessionId>.manifest}): the next checkpoint reads only files whose size or
 * modification time changed since, and a copy whose manifest is the recorded one is current. A node
 * whose copy is behind never checkpoints it (it would record old files over newer ones). A failed
 * checkpoint changes nothing: the local copy stays, the record stays, and the next one retries.
 */
public final class WorkspaceCheckpoints {
  private static final Logger LOG = LoggerFactory.getLogger(WorkspaceCheckpoints.class);

  /** Hears about checkpoints and restores, for metrics. */
  public interface Observer {
    void taken(Taken taken);

    void failed(String sessionId, RuntimeException e);

    void restored(String sessionId, Duration took, long bytes);

    Observer NONE =
        new Observer() {
          @Override
          public void taken(Taken taken) {}

          @Override
          public void failed(String sessionId, RuntimeException e) {}

          @Override
          public void restored(String sessionId, Duration took, long bytes) {}
        };
  }

  /** A checkpoint taken: its manifest, what was uploaded for it, and how long it took. */
  public record Taken(
      String sessionId, String manifest, int filesUploaded, long bytesUploaded, Duration took) {}

  private final BlobStore blobs;
  private final CheckpointRepository records;
  private final Workspaces workspaces;
  private final Path stateDir;
  private final Clock clock;
  private final Consumer<String> beforeReplace;
  private final Observer observer;
  private final TreeCodec codec;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  private WorkspaceCheckpoints(
      BlobStore blobs,
      CheckpointRepository records,
      Workspaces workspaces,
      Path stateDir,
      Clock clock,
      Consumer<String> beforeReplace,
      Observer observer) {
    this.blobs = blobs;
    this.records = records;
    this.workspaces = workspaces;
    this.stateDir = stateDir;
    this.clock = clock;
    this.beforeReplace = beforeReplace;
    this.observer = observer;
    this.codec = new TreeCodec(blobs);
  }

  /**
   * Checkpoints of {@code workspaces} into {@code blobs}, recorded in {@code records}; this node's
   * manifests are kept in {@code stateDir}. {@code beforeReplace} is called with a session id
   * before its workspace folder is replaced by a restore (to close a sandbox running over it).
   */
  public static WorkspaceCheckpoints create(
      BlobStore blobs,
      CheckpointRepository records,
      Workspaces workspaces,
      Path stateDir,
      Clock clock,
      Consumer<String> beforeReplace,
      Observer observer) {
    return new WorkspaceCheckpoints(
        blobs, records, workspaces, stateDir, clock, beforeReplace, observer);
  }

  /**
   * Checkpoints the session's workspace, as of its log through event {@code coversSeq}, if this
   * node has it and its copy is current. Never throws: a failure is logged and reported to the
   * observer, and the next call retries.
   */
  public Optional<Taken> checkpoint(String sessionId, long coversSeq) {
    return checkpoint(sessionId, coversSeq, OptionalLong.empty());
  }

  /**
   * Checkpoints as {@link #checkpoint(String, long)} does, for a runner holding the session's lease
   * with token {@code fence}: nothing is recorded once the lease has moved to another runner (this
   * node was paused past its TTL, say), so an old copy never replaces the new holder's.
   */
  public Optional<Taken> checkpoint(String sessionId, long coversSeq, long fence) {
    return checkpoint(sessionId, coversSeq, OptionalLong.of(fence));
  }

  /**
   * Checkpoints as {@link #checkpoint(String, long, long)} does, for the harness ({@code
   * Checkpointer}): false only when the checkpoint failed, so that a side-effecting call's result
   * is not reported done while the workspace that has its effect exists on this node alone.
   */
  public boolean save(String sessionId, long coversSeq, long fence) {
    try {
      locked(sessionId, coversSeq, OptionalLong.of(fence));
      return true;
    } catch (RuntimeException e) {
      failed(sessionId, e);
      return false;
    }
  }

  private Optional<Taken> checkpoint(String sessionId, long coversSeq, OptionalLong fence) {
    try {
      return locked(sessionId, coversSeq, fence);
    } catch (RuntimeException e) {
      failed(sessionId, e);
      return Optional.empty();
    }
  }

  private Optional<Taken> locked(String sessionId, long coversSeq, OptionalLong fence) {
    ReentrantLock lock = lock(sessionId);
    lock.lock();
    try {
      return checkpointLocked(sessionId, coversSeq, fence);
    } finally {
      lock.unlock();
    }
  }

  private void failed(String sessionId, RuntimeException e) {
    LOG.warn(
        "session {}: checkpointing the workspace failed; the local copy is kept and the next"
            + " checkpoint retries",
        sessionId,
        e);
    observer.failed(sessionId, e);
  }

  private Optional<Taken> checkpointLocked(String sessionId, long coversSeq, OptionalLong fence) {
    if (!workspaces.exists(sessionId)) {
      return Optional.empty();
    }
    long start = System.nanoTime();
    Optional<byte[]> local = localManifest(sessionId);
    Optional<String> localAddress = local.map(TreeCodec::hash);
    Optional<Checkpoint> recorded = records.latest(sessionId);
    if (recorded.isPresent() && !recorded.get().manifest().equals(localAddress.orElse(null))) {
      // Another node checkpointed since this copy was current, and nothing here restored it: this
      // copy is old, and recording it would roll the workspace back.
      LOG.debug(
          "session {}: the local workspace is behind its checkpoint; not checkpointing it",
          sessionId);
      return Optional.empty();
    }
    // The files unchanged since the recorded checkpoint keep its blobs, which the session's
    // references already hold; with no record, every file is read (and referred to) afresh.
    Manifest before =
        recorded.isPresent() ? local.map(Manifest::parse).orElse(Manifest.EMPTY) : Manifest.EMPTY;
    TreeCodec.Written written;
    try {
      written = codec.write(workspaces.path(sessionId), before, a -> pin(sessionId, a));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the workspace of " + sessionId, e);
    }
    byte[] bytes = written.manifest().toBytes();
    String address = TreeCodec.hash(bytes);
    if (recorded.isPresent() && address.equals(recorded.get().manifest())) {
      return Optional.empty(); // nothing changed since the recorded checkpoint
    }
    pin(sessionId, Set.of(address));
    blobs.put(new ByteArrayInputStream(bytes));
    Set<String> newBlobs = written.newBlobs();
    if (fence.isEmpty()) {
      records.record(sessionId, coversSeq, address, newBlobs, clock.instant());
    } else if (records
        .record(sessionId, coversSeq, address, newBlobs, clock.instant(), fence.getAsLong())
        .isEmpty()) {
      LOG.info(
          "session {}: its lease moved to another runner; this node's copy is not checkpointed",
          sessionId);
      return Optional.empty();
    }
    // Last: a record that failed leaves this node's manifest matching the record, so the local
    // copy (newer) is kept and the next checkpoint uploads it again.
    TreeCodec.writeAtomically(manifestFile(sessionId), bytes);
    Taken taken =
        new Taken(
            sessionId,
            address,
            written.filesUploaded(),
            written.bytesUploaded() + bytes.length,
            Duration.ofNanos(System.nanoTime() - start));
    observer.taken(taken);
    return Optional.of(taken);
  }

  /**
   * Before the session's workspace is used on this node: restores the recorded checkpoint if this
   * node has no copy, or an older one. Returns whether it restored.
   *
   * @throws RuntimeException if the checkpoint cannot be read; the workspace is left as it was
   */
  public boolean restoreIfBehind(String sessionId) {
    ReentrantLock lock = lock(sessionId);
    lock.lock();
    try {
      Optional<Checkpoint> recorded = records.latest(sessionId);
      if (recorded.isEmpty()) {
        return false;
      }
      if (workspaces.exists(sessionId)
          && localManifest(sessionId)
              .map(TreeCodec::hash)
              .filter(recorded.get().manifest()::equals)
              .isPresent()) {
        return false;
      }
      restoreLocked(sessionId, recorded.get().manifest());
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Replaces the session's workspace with the checkpoint {@code manifest} (a fork's, or a session
   * moving here). Nothing is replaced unless the whole checkpoint was read.
   */
  public void restore(String sessionId, String manifest) {
    ReentrantLock lock = lock(sessionId);
    lock.lock();
    try {
      restoreLocked(sessionId, manifest);
    } finally {
      lock.unlock();
    }
  }

  private void restoreLocked(String sessionId, String address) {
    long start = System.nanoTime();
    Path target = workspaces.path(sessionId);
    workspaces.create(sessionId); // the workspaces folder, with its permissions
    Path staging = workspaces.root().resolve(".restore-" + sessionId + "-" + UUID.randomUUID());
    try {
      byte[] bytes;
      try (InputStream in = blobs.open(address)) {
        bytes = in.readAllBytes();
      }
      Manifest manifest = Manifest.parse(bytes);
      Files.createDirectory(staging);
      long read = codec.read(manifest, staging);
      beforeReplace.accept(sessionId);
      workspaces.remove(sessionId);
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      TreeCodec.writeAtomically(manifestFile(sessionId), bytes);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      LOG.info(
          "session {}: restored the workspace from checkpoint {} ({} bytes in {} ms)",
          sessionId,
          address,
          read,
          took.toMillis());
      observer.restored(sessionId, took, read);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restore the workspace of " + sessionId, e);
    } finally {
      if (Files.exists(staging)) {
        removeQuietly(staging);
      }
    }
  }

  private void pin(String sessionId, Collection<String> addresses) {
    records.pin(sessionId, addresses, clock.instant());
  }

  /**
   * The blobs a checkpoint refers to: its manifest and every file's bytes; for the collector's
   * backfill of checkpoints recorded before references were kept.
   */
  public static Set<String> blobsOf(String manifestAddress, BlobStore blobs) {
    byte[] bytes;
    try (InputStream in = blobs.open(manifestAddress)) {
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint manifest " + manifestAddress, e);
    }
    Set<String> all =
        new TreeSet<>(
            Manifest.parse(bytes).files().values().stream().map(Manifest.Entry::blob).toList());
    all.add(manifestAddress);
    return all;
  }

  /** Forgets this node's manifest of a deleted session. */
  public void forget(String sessionId) {
    try {
      Files.deleteIfExists(manifestFile(sessionId));
    } catch (IOException e) {
      LOG.debug("cannot delete the checkpoint manifest of {}", sessionId, e);
    }
  }

  private Optional<byte[]> localManifest(String sessionId) {
    try {
      return Optional.of(Files.readAllBytes(manifestFile(sessionId)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path manifestFile(String sessionId) {
    workspaces.path(sessionId); // checks the id
    return stateDir.resolve(sessionId + ".manifest");
  }

  private ReentrantLock lock(String sessionId) {
    return locks.computeIfAbsent(sessionId, id -> new ReentrantLock());
  }

  private static void removeQuietly(Path staging) {
    try {
      Workspaces.removeTree(staging);
    } catch (UncheckedIOException e) {
      LOG.warn("cannot remove the restore staging folder {}", staging, e);
    }
  }
}
