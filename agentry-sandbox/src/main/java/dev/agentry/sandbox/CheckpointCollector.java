package dev.agentry.sandbox;

import dev.agentry.core.BlobException;
import dev.agentry.core.BlobStore;
import dev.agentry.core.CheckpointRepository;
import dev.agentry.core.CheckpointRepository.Checkpoint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the checkpoint blobs nothing needs (ADR 0049): those no session's checkpoints refer to,
 * no file or skill version shares, unreferenced and unpinned for at least {@code grace}. A session
 * keeps all its checkpoints while it exists (a fork from any event restores the workspace as it was
 * then), so blobs become collectable when sessions are deleted, when a checkpoint over the same
 * event replaces another, and when a checkpoint's upload or record failed. Safe on every node at
 * once, and beside checkpoints being written (see the store's {@code SqlCheckpointBlobs}).
 *
 * <p>Checkpoints recorded before references were kept are backfilled first, from their manifests;
 * nothing is deleted until none is left.
 */
public final class CheckpointCollector {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointCollector.class);
  private static final int BATCH = 200;

  /** What one run did. */
  public record Collected(int backfilled, int orphaned, int deleted) {}

  private final BlobStore blobs;
  private final CheckpointRepository records;
  private final Clock clock;
  private final Duration grace;

  public CheckpointCollector(
      BlobStore blobs, CheckpointRepository records, Clock clock, Duration grace) {
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must be >= 0");
    }
    this.blobs = blobs;
    this.records = records;
    this.clock = clock;
    this.grace = grace;
  }

  /**
   * One collection: backfills, notes newly unreferenced blobs, deletes those past the grace.
   *
   * @throws RuntimeException if the store or the blob store fails; what was done stays done
   */
  public Collected collect() {
    int backfilled = backfill();
    int orphaned = records.markOrphans(clock.instant());
    Instant cutoff = clock.instant().minus(grace);
    int deleted = 0;
    List<String> batch;
    int deletedNow;
    do {
      batch = records.collectable(cutoff, BATCH);
      deletedNow = 0;
      for (String address : batch) {
        if (records.collect(address, cutoff, blobs::delete)) {
          deletedNow++;
        }
      }
      deleted += deletedNow;
      // A full batch may have more behind it; one that deleted nothing (references found at the
      // last moment) leaves the rest to the next run rather than read the same rows again.
    } while (batch.size() == BATCH && deletedNow > 0);
    if (backfilled + deleted > 0) {
      LOG.info(
          "checkpoint blobs: {} old checkpoints backfilled, {} blobs deleted", backfilled, deleted);
    }
    return new Collected(backfilled, orphaned, deleted);
  }

  private int backfill() {
    int done = 0;
    List<Checkpoint> untracked;
    do {
      untracked = records.untracked(BATCH);
      for (Checkpoint c : untracked) {
        records.track(c, blobsOf(c), clock.instant());
        done++;
      }
    } while (untracked.size() == BATCH);
    return done;
  }

  private Set<String> blobsOf(Checkpoint c) {
    try {
      return WorkspaceCheckpoints.blobsOf(c.manifest(), blobs);
    } catch (BlobException.NotFound e) {
      // Lost before this collector ran: there is nothing of it to keep.
      LOG.warn("session {}: checkpoint manifest {} is missing", c.sessionId(), c.manifest());
      return Set.of();
    }
  }
}
