package dev.agentry.core;

/**
 * Saves a session's workspace where another node can find it. The harness calls it when a run that
 * held the session's lease ends (a turn ended, or the lease is given up), before the lease is
 * released, so the next holder sees the checkpoint. Must not throw: a failed checkpoint is logged
 * and retried by the next one.
 */
@FunctionalInterface
public interface Checkpointer {
  Checkpointer NONE = (sessionId, coversSeq) -> {};

  /** Saves the workspace as of the session's log through event {@code coversSeq}. */
  void checkpoint(String sessionId, long coversSeq);
}
