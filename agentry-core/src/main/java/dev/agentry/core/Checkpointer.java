package dev.agentry.core;

/**
 * Saves a session's workspace where another node can find it. The harness calls it when a run that
 * held the session's lease ends (a turn ended, or the lease is given up), before the lease is
 * released, so the next holder sees the checkpoint, and after each side-effecting tool call. Must
 * not throw: a failed checkpoint is logged, reported as {@code false}, and retried by the next one.
 */
@FunctionalInterface
public interface Checkpointer {
  Checkpointer NONE = (sessionId, coversSeq, fence) -> true;

  /**
   * Saves the workspace as of the session's log through event {@code coversSeq}, recording it only
   * while the session's lease token is still {@code fence}: a runner that lost its lease (paused
   * past its TTL) must not record its old copy over the new holder's. False when saving failed (the
   * blob store or the database refused it); true when the workspace is saved, had nothing new to
   * save, or is not this node's to save.
   */
  boolean checkpoint(String sessionId, long coversSeq, long fence);
}
