package dev.agentry.harness;

import dev.agentry.harness.AgentLoop.Fact;
import java.util.HashSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The facts of one step, read from the folded log ({@link LogState}), its model context (built only
 * when a row asks for it) and the session. Those that are not in the log are given: whether the
 * session is gone or terminated, and whether its budget is reached (asked only before a model
 * request).
 */
final class LoopFacts implements AgentLoop.Facts {
  private final LogState s;
  private final Supplier<Context> context;
  private final HarnessConfig config;
  private final String model;
  private final boolean sessionEnded;
  private final BooleanSupplier budgetReached;
  private Context ctx;

  LoopFacts(
      LogState s,
      Supplier<Context> context,
      HarnessConfig config,
      String model,
      boolean sessionEnded,
      BooleanSupplier budgetReached) {
    this.s = s;
    this.context = context;
    this.config = config;
    this.model = model;
    this.sessionEnded = sessionEnded;
    this.budgetReached = budgetReached;
  }

  /** The model context of the step's log, built once. */
  Context context() {
    if (ctx == null) {
      ctx = context.get();
    }
    return ctx;
  }

  @Override
  public boolean holds(Fact fact) {
    return switch (fact) {
      case SESSION_ENDED -> sessionEnded;
      case CORRUPT_UNREPORTED -> !s.unreportedCorrupt.isEmpty();
      case INTERRUPT_QUEUED -> !s.queuedInterrupts.isEmpty() || !s.interruptedCustomUses.isEmpty();
      case SPAN_DANGLING -> s.danglingSpanId != null;
      case MCP_CALLS_CUT -> !s.openMcpUses.isEmpty();
      case TOOL_CALLS_OPEN -> !s.openToolUses.isEmpty();
      case CONFIRMATION_QUEUED -> !s.queuedConfirmations.isEmpty();
      case AWAITING_CLIENT ->
          !s.openCustomUses.isEmpty()
              || !s.awaitingConfirmation.isEmpty()
              || !s.openHostedUses.isEmpty();
      case CLIENT_ASKED ->
          s.blockedOnAction()
              && new HashSet<>(s.lastIdleEventIds).equals(new HashSet<>(s.blockingIds()));
      case LOG_TERMINATED -> s.phase == LogState.Phase.TERMINATED;
      case OUTCOME_EVALUATION_OPEN -> s.outcome.openEvaluation() != null;
      case USER_EVENTS_QUEUED -> !s.queuedOthers.isEmpty();
      case OUTCOME_WORK_DUE -> s.outcome.workDue();
      case AWAITING_MODEL -> context().awaitingModel();
      case TURN_OPEN -> s.turnOpen();
      case TURN_PAUSED -> s.blockedOnAction() || s.phase == LogState.Phase.RESCHEDULED;
      case TOOL_ROUND_LIMIT -> s.toolRoundsThisTurn >= config.maxToolRounds();
      case BUDGET_REACHED -> budgetReached.getAsBoolean();
      case COMPACTION_DUE ->
          Compaction.due(context(), config, model) && Compaction.cut(context()).isPresent();
    };
  }
}
