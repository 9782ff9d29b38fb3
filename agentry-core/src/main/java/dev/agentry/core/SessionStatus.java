package dev.agentry.core;

import java.util.Locale;

/** A session's status, as the API shows it. Transitions are in {@link SessionStateMachine}. */
public enum SessionStatus {
  IDLE,
  RUNNING,
  RESCHEDULING,
  TERMINATED;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The status named {@code wire}, or null if none is. */
  public static SessionStatus fromWire(String wire) {
    for (SessionStatus s : values()) {
      if (s.wireName().equals(wire)) {
        return s;
      }
    }
    return null;
  }
}
