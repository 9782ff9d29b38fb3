package dev.agentry.core;

/** What happens to a session that may change its status. */
public enum SessionTrigger {
  /** A harness took the session's queued user events and began a turn. */
  RUN_STARTED,
  /** The turn ended: end of turn, blocked on an action, retries exhausted or budget reached. */
  TURN_ENDED,
  /** A transient failure (e.g. an overloaded model); the harness will retry after a backoff. */
  TRANSIENT_ERROR,
  /** The backoff elapsed and the harness resumed the turn. */
  RETRY_STARTED,
  /** An unrecoverable failure; the session can never run again. */
  FATAL_ERROR
}
