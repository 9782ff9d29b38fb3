package dev.agentry.harness;

import dev.agentry.core.EventDraft;
import dev.agentry.core.Session;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.StoredEvent;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;

/**
 * The runner's spending hooks: a {@code session.usage} event after each model request's usage is
 * recorded, and the budget stop before a model request (cma-api §4 "Budget stop").
 */
final class BudgetGuard {
  private final SpendLimits limits;
  private final SessionLedger ledger;
  private final Clock clock;
  private final Function<List<EventDraft>, List<StoredEvent>> append;

  BudgetGuard(
      SpendLimits limits,
      SessionLedger ledger,
      Clock clock,
      Function<List<EventDraft>, List<StoredEvent>> append) {
    this.limits = limits;
    this.ledger = ledger;
    this.clock = clock;
    this.append = append;
    ledger.onUsage(s -> append.apply(List.of(Spend.usageEvent(s, limits, clock.instant()))));
  }

  /**
   * Before a model request: when the session has reached its budget or a cap, journals {@code
   * session.usage} and {@code session.status_idle} with {@code budget_reached}, moves the session
   * to idle, and answers true (the request must not be made).
   */
  boolean stopIfReached(Session session) {
    if (Spend.stopReason(session, limits).isEmpty()) {
      return false;
    }
    var usage = Spend.usagePayload(session, limits);
    usage.putObject("stop_reason").put("type", Spend.BUDGET_REACHED);
    append.apply(
        List.of(
            Events.draft("session.usage", usage, clock.instant()),
            Events.idle(Spend.BUDGET_REACHED, clock.instant())));
    ledger.moveTo(SessionStatus.IDLE);
    return true;
  }
}
