package dev.agentry.harness;

import dev.agentry.core.ModelUsage;
import dev.agentry.core.Session;
import dev.agentry.core.SessionStateMachine;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.SessionTrigger;
import dev.agentry.core.SessionUsage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.UnaryOperator;

/**
 * The sessions-table side of a run: status through the state machine, token usage, active time and
 * server tool calls, as changes that the {@link Journal} commits together with the events they
 * follow. The log is written in the same transaction, so a runner that lost its lease never changes
 * the record.
 */
final class SessionLedger {
  private final Clock clock;
  private Instant activeSince;

  SessionLedger(Clock clock) {
    this.clock = clock;
  }

  /** The change that moves the session to {@code target} (none when it is there already). */
  UnaryOperator<Session> moveTo(SessionStatus target) {
    Instant now = clock.instant();
    return s -> {
      if (s.status() == target) {
        return s;
      }
      SessionStatus next = SessionStateMachine.transition(s.status(), trigger(s.status(), target));
      return with(s.withStatus(next, now), s.usage(), activeSeconds(now, next));
    };
  }

  /**
   * The change that adds one model request's usage to the session's totals; {@code model}: the
   * request's, when it is another agent's than the session's (a member thread's), else null.
   */
  UnaryOperator<Session> addUsage(ModelUsage u, String model) {
    Instant now = clock.instant();
    return s -> {
      SessionUsage added = model == null ? usage(s).plus(u) : usage(s).plusOn(model, u);
      return with(s, added, activeSeconds(now, s.status()));
    };
  }

  /** The change that counts one call of server tool {@code name} (web_search or web_fetch). */
  UnaryOperator<Session> countServerTool(String name) {
    boolean search = name.equals("web_search");
    return s -> s.withUsage(usage(s).plusServerToolCall(search));
  }

  /** Seconds to add since the last update, counting only time spent working. */
  private double activeSeconds(Instant now, SessionStatus after) {
    double secs =
        activeSince == null ? 0 : Duration.between(activeSince, now).toNanos() / 1_000_000_000.0;
    activeSince = after == SessionStatus.IDLE ? null : now;
    return Math.max(0, secs);
  }

  private static SessionTrigger trigger(SessionStatus from, SessionStatus to) {
    return switch (to) {
      case RUNNING ->
          from == SessionStatus.RESCHEDULING
              ? SessionTrigger.RETRY_STARTED
              : SessionTrigger.RUN_STARTED;
      case IDLE -> SessionTrigger.TURN_ENDED;
      case RESCHEDULING -> SessionTrigger.TRANSIENT_ERROR;
      case TERMINATED -> SessionTrigger.FATAL_ERROR;
    };
  }

  private static Session with(Session s, SessionUsage usage, double addSeconds) {
    return s.withUsage((usage == null ? SessionUsage.ZERO : usage).plusActiveSeconds(addSeconds));
  }

  private static SessionUsage usage(Session s) {
    return s.usage() == null ? SessionUsage.ZERO : s.usage();
  }
}
