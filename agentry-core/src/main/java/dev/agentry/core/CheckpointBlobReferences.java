package dev.agentry.core;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The collector's side of the checkpoint blob references (ADR 0049): which blobs no checkpoint
 * refers to any more. A blob is collected only when no session's checkpoints refer to it, no file
 * or skill version uses its bytes, and both its last pin and the moment it was first found
 * unreferenced are older than the grace period. Every node may collect at once.
 */
public interface CheckpointBlobReferences {

  /**
   * Notes, as of {@code now}, when each registered blob that nothing refers to was first found so;
   * returns how many it newly noted.
   */
  int markOrphans(Instant now);

  /**
   * Up to {@code limit} blobs unreferenced and unpinned since before {@code cutoff}; none while a
   * checkpoint recorded before references were kept has not been {@link #track tracked}.
   */
  List<String> collectable(Instant cutoff, int limit);

  /**
   * Collects {@code address} if it is still collectable at {@code cutoff}: while holding its
   * registration (so that no checkpoint can pin it meanwhile), calls {@code delete} with it, then
   * forgets it. Returns whether it collected; a {@code delete} that throws collects nothing.
   */
  boolean collect(String address, Instant cutoff, Consumer<String> delete);

  /** Up to {@code limit} checkpoints recorded before references were kept. */
  List<CheckpointRepository.Checkpoint> untracked(int limit);

  /** Records that {@code checkpoint} refers to {@code blobs} (read from its manifest). */
  void track(CheckpointRepository.Checkpoint checkpoint, Set<String> blobs, Instant now);
}
