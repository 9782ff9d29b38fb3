package dev.agentry.harness;

import dev.agentry.core.Session;
import dev.agentry.core.SessionStatus;
import java.time.Clock;
import java.util.List;

/**
 * The budget stop before a model request (docs/pricing.md, "Budgets"). The {@code session.usage}
 * event after each model request's usage is the {@link Journal}'s, in the same commit.
 */
final class BudgetGuard {
  private final SpendLimits limits;
  private final Journal journal;
  private final Clock clock;

  BudgetGuard(SpendLimits limits, Journal journal, Clock clock) {
    this.limits = limits;
    this.journal = journal;
    this.clock = clock;
  }

  /** Whether the session has reached its budget or a cap: no model request may be made. */
  boolean reached(Session session) {
    return Spend.stopReason(session, limits).isPresent();
  }

  /**
   * The turn stops before a model request: journals {@code session.usage} and {@code
   * session.status_idle} with {@code budget_reached}, and moves the session to idle.
   */
  void stop(Session session) {
    var usage = Spend.usagePayload(session, limits);
    usage.putObject("stop_reason").put("type", Spend.BUDGET_REACHED);
    journal
        .write(
            List.of(
                Spend.usageEvent(usage, clock.instant()),
                Events.idle(Spend.BUDGET_REACHED, clock.instant())))
        .moveTo(SessionStatus.IDLE)
        .commit();
  }
}
