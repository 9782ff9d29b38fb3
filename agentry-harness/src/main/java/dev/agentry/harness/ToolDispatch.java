package dev.agentry.harness;

import dev.agentry.core.Cancellation;
import dev.agentry.core.Event;
import dev.agentry.core.EventDraft;
import dev.agentry.core.LogEntry;
import dev.agentry.core.Session;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ToolObserver;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Where one thread's journalled tool calls meet their permissions and run (moved out of {@link
 * Runner}): built-in calls in the sandbox or the runtime ({@link ToolCalls}), MCP calls on the
 * thread's connections, a coordinator's delegation ({@link Delegation}); calls a dead run left
 * open, and calls a confirmation settles.
 */
final class ToolDispatch {
  private final Journal journal;
  private final ToolCalls toolCalls;
  private final McpConnections mcp;
  private final ToolObserver observed;
  private final Set<String> readOnly;
  private final Clock clock;

  /** Whether the session's worker runs its built-in calls (docs/decisions/0038). */
  private final BooleanSupplier hostedTools;

  /** A coordinator's delegation tools, once its roster is read; null otherwise. */
  private final Supplier<Delegation> delegation;

  /** The built-in calls this run started (each at most once). */
  private final Set<String> started = new HashSet<>();

  ToolDispatch(
      Journal journal,
      ToolCalls toolCalls,
      McpConnections mcp,
      ToolObserver observed,
      Set<String> readOnly,
      Clock clock,
      BooleanSupplier hostedTools,
      Supplier<Delegation> delegation) {
    this.journal = journal;
    this.toolCalls = toolCalls;
    this.mcp = mcp;
    this.observed = observed;
    this.readOnly = readOnly;
    this.clock = clock;
    this.hostedTools = hostedTools;
    this.delegation = delegation;
  }

  /**
   * Whether this run journalled the call and never started it: its commit's answer was lost to a
   * database outage (the journal found it landed), so it is known not to have run, unlike a call
   * found open after a crash, whose outcome is unknown.
   */
  private boolean neverStarted(String toolUseId) {
    return journal.wrote(toolUseId) && !started.contains(toolUseId);
  }

  /**
   * Tool calls a dead runner journalled but never answered: read-only ones are run again; a
   * side-effecting one may have half-happened, so the model is told the outcome is unknown. A call
   * this run journalled but never started (see {@link #neverStarted}) runs now.
   */
  void resume(Session session, LogState s, Cancellation c) {
    for (LogEntry use : s.openToolUses.values()) {
      if (c.isCancelled()) {
        return;
      }
      var call = (Event.AgentToolUse) use.event();
      if (Permissions.verdict(call, true) == Permissions.Verdict.REFUSE) {
        dispatch(use, session, c, true);
      } else if (readOnly.contains(call.name()) || neverStarted(use.id()) || delegates(call)) {
        runBuiltIn(session, use, call, c); // a send and its result are one commit: none was sent
      } else {
        append(List.of(Events.toolResult(use.id(), Events.UNKNOWN_OUTCOME, true, now())));
      }
    }
  }

  /**
   * The one place a journalled tool call meets its permission: a refused call gets its refusal as
   * an error result, an asking one waits for its confirmation ({@code confirmed} once an allow
   * settled it), any other runs.
   */
  void dispatch(LogEntry use, Session session, Cancellation c, boolean confirmed) {
    Event.ToolCall call = (Event.ToolCall) use.event();
    switch (Permissions.verdict(call, confirmed)) {
      case REFUSE ->
          append(List.of(McpEvents.resultFor(use, Permissions.refusal(call), true, now())));
      case WAIT -> {}
      case RUN -> {
        switch (call) {
          case Event.AgentMcpToolUse mcpUse -> {
            journal.beforeSideEffect(); // what the call follows is durable before it
            append(List.of(mcp.answer(session, use.id(), mcpUse, c, this::append, observed)));
          }
          case Event.AgentToolUse builtIn -> {
            if (!(hostedTools.getAsBoolean() && LogState.hosted(builtIn.name()))) {
              runBuiltIn(session, use, builtIn, c);
            } // else the session's worker runs it, and the next step says the session waits
          }
        }
      }
    }
  }

  private boolean delegates(Event.AgentToolUse call) {
    return delegation.get() != null && Delegation.handles(call.name());
  }

  /** A built-in call runs in the sandbox or the runtime; a coordinator's delegation here. */
  private void runBuiltIn(Session session, LogEntry use, Event.AgentToolUse call, Cancellation c) {
    if (delegates(call)) {
      append(delegation.get().answer(use.id(), call, journal.entries(), now()));
      return;
    }
    started.add(use.id());
    toolCalls.run(session, use.id(), call.name(), call.input(), c);
  }

  /**
   * Settles one {@code user.tool_confirmation}: a deny journals the refusal for the model and marks
   * the answer processed in one commit; an allow marks it processed, then runs the call (so a run
   * that dies while the tool runs finds it open, as after any crash mid-tool).
   */
  void settle(Permissions.Answer a, LogState s, Session session, Supplier<Cancellation> c) {
    List<StoredEvent> answer = List.of(a.confirmation().stored());
    if (a.pending() && !a.allow()) {
      journal
          .write(List.of(McpEvents.resultFor(a.use(), a.denyText(), true, now())))
          .processed(answer)
          .commit();
    } else if (a.pending() && !s.turnOpen()) {
      journal
          .write(List.of(Events.running(now())))
          .moveTo(SessionStatus.RUNNING)
          .processed(answer)
          .commit();
    } else {
      journal.write(List.of()).processed(answer).commit();
    }
    if (a.pending() && a.allow()) {
      dispatch(a.use(), session, c.get(), true);
    }
  }

  private List<StoredEvent> append(List<EventDraft> drafts) {
    return journal.append(drafts);
  }

  private java.time.Instant now() {
    return clock.instant();
  }
}
