package dev.agentry.harness;

import dev.agentry.core.Event;
import dev.agentry.core.LogEntry;

/**
 * The session's outcome as the log tells it ({@code user.define_outcome} and the evaluation spans),
 * folded with the rest of the log by {@link LogState}: which outcome is active, how many of its
 * evaluations ended, whether one is open (a run that died mid-evaluation left it so: the grader
 * runs again, it has no side effects), and whether the agent began working on it.
 *
 * <p>An outcome ends with a terminal evaluation ({@code satisfied}, {@code max_iterations_reached},
 * {@code failed}, {@code interrupted}), or silently when the work on it stops without one: an
 * interrupt while the agent works, or a turn that ends in a failure or at the budget
 * (docs/decisions/0043).
 */
final class OutcomeState {
  static final String SATISFIED = "satisfied";
  static final String NEEDS_REVISION = "needs_revision";
  static final String MAX_ITERATIONS_REACHED = "max_iterations_reached";
  static final String FAILED = "failed";
  static final String INTERRUPTED = "interrupted";

  /** The active outcome's {@code user.define_outcome}; null when none is active. */
  private LogEntry define;

  /** Evaluations of the active outcome that ended: the next one's 0-based iteration. */
  private int iteration;

  /** The active outcome's {@code span.outcome_evaluation_start} without an end; or null. */
  private LogEntry openStart;

  /** Whether a model request started after the outcome was defined: the agent saw it. */
  private boolean workStarted;

  OutcomeState copy() {
    OutcomeState c = new OutcomeState();
    c.define = define;
    c.iteration = iteration;
    c.openStart = openStart;
    c.workStarted = workStarted;
    return c;
  }

  /** Folds one processed event. */
  void apply(LogEntry e) {
    switch (e.event()) {
      case Event.UserDefineOutcome d -> {
        if (define == null) { // a second one (a race the API's check lost) does nothing
          define = e;
          iteration = 0;
          openStart = null;
          workStarted = false;
        }
      }
      case Event.SpanModelRequestStart s -> workStarted |= define != null;
      case Event.SpanOutcomeEvaluationStart s -> {
        if (define != null && outcomeId().equals(s.outcomeId())) {
          openStart = e;
        }
      }
      case Event.SpanOutcomeEvaluationEnd end -> {
        if (define != null && outcomeId().equals(end.outcomeId())) {
          openStart = null;
          iteration++;
          if (!NEEDS_REVISION.equals(end.result())) {
            define = null;
          }
        }
      }
      case Event.UserInterrupt i -> {
        if (define != null && openStart == null) {
          define = null; // the work was halted; an evaluation under way ends as interrupted
        }
      }
      case Event.SessionStatusIdle idle -> {
        boolean paused = "requires_action".equals(idle.stopReason().type());
        if (define != null && workStarted && openStart == null && !paused) {
          define = null; // the turn ended without an evaluation: a failure, or the budget
        }
      }
      default -> {}
    }
  }

  /** Whether an outcome is active (defined, no terminal evaluation yet). */
  boolean active() {
    return define != null;
  }

  /** The active outcome's definition; only when {@link #active}. */
  Event.UserDefineOutcome definition() {
    return (Event.UserDefineOutcome) define.event();
  }

  /** The active outcome's {@code user.define_outcome} entry; only when {@link #active}. */
  LogEntry defineEntry() {
    return define;
  }

  String outcomeId() {
    return definition().outcomeId();
  }

  int iteration() {
    return iteration;
  }

  /** An outcome is defined and the agent has not begun on it: a turn starts for it. */
  boolean workDue() {
    return define != null && !workStarted && openStart == null;
  }

  /** The evaluation a run must (re-)run; null when none is open. */
  LogEntry openEvaluation() {
    return openStart;
  }

  /** The agent's turn ends on an active outcome: its work is evaluated instead of going idle. */
  boolean evaluationDue() {
    return define != null && workStarted && openStart == null;
  }

  /** The evaluations a run may try: the definition's {@code max_iterations}, 3 by default. */
  int maxIterations() {
    Integer max = definition().maxIterations();
    return max == null ? 3 : max;
  }

  /** For the fold's self-check ({@link LogState#sameAs}). */
  Object facts() {
    return java.util.Arrays.asList(
        define == null ? null : define.id(),
        iteration,
        openStart == null ? null : openStart.id(),
        workStarted);
  }
}
