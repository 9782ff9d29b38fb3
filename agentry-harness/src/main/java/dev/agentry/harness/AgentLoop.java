package dev.agentry.harness;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The agent loop as a table: the next step of a session is the action of the first row whose facts
 * hold, read from the folded log ({@link LoopFacts}). {@link #next} is a pure function of the
 * facts; the {@link Runner} performs the action it names, one place per action. {@link #table()}
 * prints the rows (docs/agent-loop.md).
 *
 * <p>The order of the rows is the loop's priorities: a deleted or terminated session does nothing;
 * an unreadable row is reported; an interrupt overtakes everything; what a dead run left half done
 * (a request without an end, tool calls without a result) is closed before anything new starts; the
 * client's answers are settled before the session asks it again; queued user events are taken only
 * at a clean point; and a model request is the last resort, after the turn's limits.
 */
final class AgentLoop {

  /** What the runner does next. */
  enum Action {
    /** Nothing: the session waits on someone else (a user, a client, nobody). */
    WAIT,
    /** A {@code session.error} names each log row that does not parse as its type. */
    REPORT_CORRUPT_EVENTS,
    /** Every open call is answered as interrupted, and an active turn ends ({@code end_turn}). */
    ANSWER_INTERRUPT,
    /** A model request whose run died is closed as failed; it is simply issued again. */
    CLOSE_DANGLING_SPAN,
    /** MCP calls a run died in are answered as of unknown outcome, never re-run. */
    ANSWER_CUT_MCP_CALLS,
    /** Built-in calls a run died in: read-only ones run again, others get an unknown outcome. */
    RESUME_TOOL_CALLS,
    /**
     * The first queued {@code user.tool_confirmation} is settled: a deny answers, an allow runs.
     */
    SETTLE_CONFIRMATION,
    /** {@code session.status_idle} with {@code requires_action} names the calls awaited. */
    ANNOUNCE_REQUIRES_ACTION,
    /** The open outcome evaluation is run: the grader scores the agent's work (0043). */
    EVALUATE_OUTCOME,
    /** Queued user events are marked processed; a new turn starts if none is open. */
    TAKE_QUEUED_EVENTS,
    /** An outcome was defined on a session at rest: a turn starts for it by itself. */
    START_OUTCOME_WORK,
    /** The model has nothing to answer: the turn ends ({@code end_turn}). */
    END_TURN,
    /** Every awaited call is answered, or a backoff ended: {@code session.status_running}. */
    RESUME_TURN,
    /** The turn made its maximum of tool rounds: {@code retries_exhausted}. */
    STOP_AT_TOOL_ROUND_LIMIT,
    /** The session's budget or a cap is reached: {@code budget_reached}. */
    STOP_AT_BUDGET,
    /** The context nears the model's window: the older part is summarised first. */
    COMPACT,
    /** A model request, and the response journalled and acted on. */
    CALL_MODEL
  }

  /** What the table reads, each a yes/no question about the folded log and the session. */
  enum Fact {
    /** The session record is gone, or its status is {@code terminated}. */
    SESSION_ENDED,
    /** A log row does not parse as its type and no {@code session.error} reported it yet. */
    CORRUPT_UNREPORTED,
    /** A {@code user.interrupt} is queued, or overtook open custom calls. */
    INTERRUPT_QUEUED,
    /** A {@code span.model_request_start} has no end. */
    SPAN_DANGLING,
    /** An MCP call that may run has no result. */
    MCP_CALLS_CUT,
    /** A built-in call that may run has no result. */
    TOOL_CALLS_OPEN,
    /** A {@code user.tool_confirmation} is queued. */
    CONFIRMATION_QUEUED,
    /** Custom calls or confirmations are awaited from the client. */
    AWAITING_CLIENT,
    /** The last idle event is {@code requires_action} for exactly the calls awaited. */
    CLIENT_ASKED,
    /** The log's last status event is {@code session.status_terminated}. */
    LOG_TERMINATED,
    /** An outcome evaluation started and has not ended (the grader runs, or its run died). */
    OUTCOME_EVALUATION_OPEN,
    /** User events other than interrupts and confirmations are queued. */
    USER_EVENTS_QUEUED,
    /** An outcome is defined and no model request has worked on it yet. */
    OUTCOME_WORK_DUE,
    /** The model context ends with a user turn: the model has something to answer. */
    AWAITING_MODEL,
    /** The last status is running or rescheduled. */
    TURN_OPEN,
    /** The session is idle on {@code requires_action}, or rescheduled after a failure. */
    TURN_PAUSED,
    /** The turn made {@code maxToolRounds} tool rounds. */
    TOOL_ROUND_LIMIT,
    /** The session's list cost reached its budget, or a token or time cap is reached. */
    BUDGET_REACHED,
    /** The context is past the compaction threshold and has a place to cut. */
    COMPACTION_DUE
  }

  /** The facts of one step; asked lazily, in table order, so costly ones are asked last. */
  interface Facts {
    boolean holds(Fact fact);
  }

  /** One row: the action taken when every {@code when} fact holds and no {@code unless} fact. */
  record Row(Set<Fact> when, Set<Fact> unless, Action action) {
    boolean matches(Facts f) {
      return when.stream().allMatch(f::holds) && unless.stream().noneMatch(f::holds);
    }
  }

  private static final List<Row> TABLE =
      List.of(
          row(Action.WAIT, when(Fact.SESSION_ENDED)),
          row(Action.REPORT_CORRUPT_EVENTS, when(Fact.CORRUPT_UNREPORTED)),
          row(Action.ANSWER_INTERRUPT, when(Fact.INTERRUPT_QUEUED)),
          row(Action.CLOSE_DANGLING_SPAN, when(Fact.SPAN_DANGLING)),
          row(Action.ANSWER_CUT_MCP_CALLS, when(Fact.MCP_CALLS_CUT)),
          row(Action.RESUME_TOOL_CALLS, when(Fact.TOOL_CALLS_OPEN)),
          row(Action.SETTLE_CONFIRMATION, when(Fact.CONFIRMATION_QUEUED)),
          row(Action.WAIT, when(Fact.AWAITING_CLIENT, Fact.CLIENT_ASKED)),
          row(Action.ANNOUNCE_REQUIRES_ACTION, when(Fact.AWAITING_CLIENT)),
          row(Action.WAIT, when(Fact.LOG_TERMINATED)),
          row(Action.EVALUATE_OUTCOME, when(Fact.OUTCOME_EVALUATION_OPEN)),
          row(Action.TAKE_QUEUED_EVENTS, when(Fact.USER_EVENTS_QUEUED)),
          new Row(
              EnumSet.of(Fact.OUTCOME_WORK_DUE),
              EnumSet.of(Fact.TURN_OPEN),
              Action.START_OUTCOME_WORK),
          new Row(EnumSet.of(Fact.TURN_OPEN), EnumSet.of(Fact.AWAITING_MODEL), Action.END_TURN),
          new Row(EnumSet.noneOf(Fact.class), EnumSet.of(Fact.AWAITING_MODEL), Action.WAIT),
          row(Action.RESUME_TURN, when(Fact.TURN_PAUSED)),
          new Row(EnumSet.noneOf(Fact.class), EnumSet.of(Fact.TURN_OPEN), Action.WAIT),
          row(Action.STOP_AT_TOOL_ROUND_LIMIT, when(Fact.TOOL_ROUND_LIMIT)),
          row(Action.STOP_AT_BUDGET, when(Fact.BUDGET_REACHED)),
          row(Action.COMPACT, when(Fact.COMPACTION_DUE)),
          row(Action.CALL_MODEL, when()));

  private AgentLoop() {}

  /** The next action: that of the first row whose facts hold (the last row always does). */
  static Action next(Facts facts) {
    for (Row r : TABLE) {
      if (r.matches(facts)) {
        return r.action();
      }
    }
    throw new AssertionError("the table's last row has no condition");
  }

  static List<Row> rows() {
    return TABLE;
  }

  /** The table as Markdown, one row per line, in order (docs/agent-loop.md). */
  static String table() {
    StringBuilder sb =
        new StringBuilder("| # | when | unless | next action |\n|---|---|---|---|\n");
    int i = 1;
    for (Row r : TABLE) {
      sb.append("| ")
          .append(i++)
          .append(" | ")
          .append(names(r.when(), r.unless().isEmpty() ? "always" : "-"))
          .append(" | ")
          .append(names(r.unless(), ""))
          .append(" | ")
          .append(r.action())
          .append(" |\n");
    }
    return sb.toString();
  }

  private static String names(Set<Fact> facts, String none) {
    return facts.isEmpty() ? none : String.join(" and ", facts.stream().map(Enum::name).toList());
  }

  private static Row row(Action action, Set<Fact> when) {
    return new Row(when, EnumSet.noneOf(Fact.class), action);
  }

  private static Set<Fact> when(Fact... facts) {
    return facts.length == 0 ? EnumSet.noneOf(Fact.class) : EnumSet.copyOf(List.of(facts));
  }
}
