package dev.agentry.core;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The session status machine as one table: {@code (status, trigger) → status}. Any pair not in the
 * table is an illegal transition. {@code terminated} has no way out.
 */
public final class SessionStateMachine {
  private static final Map<SessionStatus, Map<SessionTrigger, SessionStatus>> TABLE = build();

  private SessionStateMachine() {}

  /** The status after {@code trigger}, or empty if {@code trigger} is illegal in {@code from}. */
  public static Optional<SessionStatus> next(SessionStatus from, SessionTrigger trigger) {
    return Optional.ofNullable(TABLE.get(from).get(trigger));
  }

  /**
   * The status after {@code trigger}.
   *
   * @throws IllegalStateException if the transition is not in the table
   */
  public static SessionStatus transition(SessionStatus from, SessionTrigger trigger) {
    return next(from, trigger)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "session cannot go from " + from.wireName() + " on " + trigger));
  }

  /** The whole table, for documentation and tests. */
  public static Map<SessionStatus, Map<SessionTrigger, SessionStatus>> table() {
    return TABLE;
  }

  private static Map<SessionStatus, Map<SessionTrigger, SessionStatus>> build() {
    Map<SessionStatus, Map<SessionTrigger, SessionStatus>> t = new EnumMap<>(SessionStatus.class);
    for (SessionStatus s : SessionStatus.values()) {
      t.put(s, new EnumMap<>(SessionTrigger.class));
    }
    t.get(SessionStatus.IDLE).put(SessionTrigger.RUN_STARTED, SessionStatus.RUNNING);
    t.get(SessionStatus.IDLE).put(SessionTrigger.FATAL_ERROR, SessionStatus.TERMINATED);
    t.get(SessionStatus.RUNNING).put(SessionTrigger.TURN_ENDED, SessionStatus.IDLE);
    t.get(SessionStatus.RUNNING).put(SessionTrigger.TRANSIENT_ERROR, SessionStatus.RESCHEDULING);
    t.get(SessionStatus.RUNNING).put(SessionTrigger.FATAL_ERROR, SessionStatus.TERMINATED);
    t.get(SessionStatus.RESCHEDULING).put(SessionTrigger.RETRY_STARTED, SessionStatus.RUNNING);
    t.get(SessionStatus.RESCHEDULING).put(SessionTrigger.TURN_ENDED, SessionStatus.IDLE);
    t.get(SessionStatus.RESCHEDULING).put(SessionTrigger.FATAL_ERROR, SessionStatus.TERMINATED);
    t.replaceAll((k, v) -> Collections.unmodifiableMap(v));
    return Collections.unmodifiableMap(t);
  }
}
