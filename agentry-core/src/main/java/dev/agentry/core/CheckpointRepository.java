package dev.agentry.core;

import java.time.Instant;
import java.util.Optional;

/**
 * Where each session's workspace checkpoints are recorded: the address of the manifest blob (see
 * the {@link BlobStore}) and the last event of the session's log the checkpoint covers. A session
 * keeps every checkpoint it took, so that a fork from an earlier event finds the one taken at or
 * before it; they go with the session.
 */
public interface CheckpointRepository {

  /** A checkpoint of {@code sessionId}'s workspace as of its log through {@code coversSeq}. */
  record Checkpoint(String sessionId, long coversSeq, String manifest, Instant takenAt) {
    public Checkpoint {
      BlobRef.requireAddress(manifest);
    }
  }

  /**
   * Records that the workspace as it is now is {@code manifest}, covering the session's log through
   * event {@code coversSeq} (the last one the run that used the workspace had read); a later
   * checkpoint over the same event replaces it.
   *
   * @throws StoreException.NotFound if the session does not exist
   */
  Checkpoint record(String sessionId, long coversSeq, String manifest, Instant takenAt);

  /**
   * Records as {@link #record(String, long, String, Instant)} does, but only if the session's lease
   * token is still {@code fence} (its runner's lease has not moved to another runner since); empty,
   * recording nothing, if it has.
   *
   * @throws StoreException.NotFound if the session does not exist
   */
  Optional<Checkpoint> record(
      String sessionId, long coversSeq, String manifest, Instant takenAt, long fence);

  /** The checkpoint that covers the most of the session's log, if any. */
  Optional<Checkpoint> latest(String sessionId);

  /** The latest checkpoint covering no event after {@code seq}, if any. */
  Optional<Checkpoint> atOrBefore(String sessionId, long seq);
}
