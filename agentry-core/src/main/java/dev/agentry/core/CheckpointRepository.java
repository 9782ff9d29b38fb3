package dev.agentry.core;

import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;

/**
 * Where each session's workspace checkpoints are recorded: the address of the manifest blob (see
 * the {@link BlobStore}) and the last event of the session's log the checkpoint covers. A session
 * keeps every checkpoint it took, so that a fork from an earlier event finds the one taken at or
 * before it; they go with the session.
 *
 * <p>The blobs the checkpoints use are recorded too ({@link CheckpointBlobReferences}, ADR 0049),
 * so that unreferenced ones can be collected: a checkpoint being written first {@link #pin pins}
 * the blobs it will refer to, then checks they are stored (or uploads them), then records itself
 * with them.
 */
public interface CheckpointRepository extends CheckpointBlobReferences {

  /** A checkpoint of {@code sessionId}'s workspace as of its log through {@code coversSeq}. */
  record Checkpoint(String sessionId, long coversSeq, String manifest, Instant takenAt) {
    public Checkpoint {
      BlobRef.requireAddress(manifest);
    }
  }

  /**
   * Says that a checkpoint of {@code sessionId} being written will refer to {@code addresses}: none
   * of them is collected for at least the collector's grace period from {@code now}. Call it before
   * checking that a blob is stored or uploading it, and record the checkpoint within the grace
   * period. Committed like the session's other writes (on its writer), not on a pooled connection.
   */
  void pin(String sessionId, Collection<String> addresses, Instant now);

  /**
   * Records that the workspace as it is now is {@code manifest}, covering the session's log through
   * event {@code coversSeq} (the last one the run that used the workspace had read); a later
   * checkpoint over the same event replaces it. {@code newBlobs} are the blobs it refers to that
   * the session's earlier checkpoints may not (the manifest is added to them); each must have been
   * {@link #pin pinned}.
   *
   * @throws StoreException.NotFound if the session does not exist
   * @throws StoreException.Conflict if one of {@code newBlobs} was collected since it was pinned
   *     (the pin is older than the grace period); nothing is recorded, and a retry uploads it again
   */
  Checkpoint record(
      String sessionId, long coversSeq, String manifest, Set<String> newBlobs, Instant takenAt);

  /**
   * Records as {@link #record(String, long, String, Set, Instant)} does, but only if the session's
   * lease token is still {@code fence} (its runner's lease has not moved to another runner since);
   * empty, recording nothing, if it has.
   *
   * @throws StoreException.NotFound if the session does not exist
   * @throws StoreException.Conflict as the unfenced record does
   */
  Optional<Checkpoint> record(
      String sessionId,
      long coversSeq,
      String manifest,
      Set<String> newBlobs,
      Instant takenAt,
      long fence);

  /**
   * Records {@code from}'s workspace as {@code toSessionId}'s checkpoint through {@code coversSeq}
   * (a fork's), with references to every blob {@code from}'s session refers to.
   *
   * @throws StoreException.NotFound if {@code toSessionId} does not exist
   */
  Checkpoint copy(Checkpoint from, String toSessionId, long coversSeq, Instant takenAt);

  /** The checkpoint that covers the most of the session's log, if any. */
  Optional<Checkpoint> latest(String sessionId);

  /** The latest checkpoint covering no event after {@code seq}, if any. */
  Optional<Checkpoint> atOrBefore(String sessionId, long seq);
}
