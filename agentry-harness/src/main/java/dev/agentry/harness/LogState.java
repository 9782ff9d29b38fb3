package dev.agentry.harness;

import dev.agentry.core.Event;
import dev.agentry.core.EventDraft;
import dev.agentry.core.LogEntry;
import dev.agentry.core.StoredEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the harness must do next, folded from the log alone: nothing here survives between runs, so
 * a runner that died anywhere is followed by one that reads the same facts. {@link AgentLoop} reads
 * them as its facts.
 */
final class LogState {
  /** The last {@code session.status_*} event, as a phase of the turn. */
  enum Phase {
    NONE,
    RUNNING,
    RESCHEDULED,
    IDLE,
    TERMINATED
  }

  final List<LogEntry> queuedInterrupts = new ArrayList<>();
  final List<LogEntry> queuedOthers = new ArrayList<>();

  /** Built-in tool calls without a result, by event id. */
  final Map<String, LogEntry> openToolUses = new LinkedHashMap<>();

  /**
   * Allowed MCP calls without a result, by event id. The step that journals (or confirms) one
   * answers it, so at the start of a step these are calls a run died in: never re-run.
   */
  final Map<String, LogEntry> openMcpUses = new LinkedHashMap<>();

  /**
   * Built-in calls of a self-hosted session that its worker has not answered ({@code
   * user.tool_result}), by event id: the runtime never runs them (docs/decisions/0038).
   */
  final Map<String, LogEntry> openHostedUses = new LinkedHashMap<>();

  /** Custom tool calls the client has not answered, by event id. */
  final Map<String, LogEntry> openCustomUses = new LinkedHashMap<>();

  /**
   * Built-in and MCP calls whose permission evaluated to {@code ask} and that no confirmation has
   * settled yet, by event id (docs/permissions.md).
   */
  final Map<String, LogEntry> awaitingConfirmation = new LinkedHashMap<>();

  /** {@code user.tool_confirmation}s not yet settled, in order. */
  final List<LogEntry> queuedConfirmations = new ArrayList<>();

  /** Open custom calls that an interrupt (stored processed while idle) has overtaken. */
  final List<String> interruptedCustomUses = new ArrayList<>();

  /** Rows that do not parse as their type and no {@code session.error} reported yet, by seq. */
  final Map<Long, LogEntry> unreportedCorrupt = new LinkedHashMap<>();

  /** The session's outcome, if one is active ({@link OutcomeState}). */
  OutcomeState outcome = new OutcomeState();

  Phase phase = Phase.NONE;
  String lastIdleStop;
  List<String> lastIdleEventIds = List.of();
  String danglingSpanId;
  int toolRoundsThisTurn;
  int failuresInARow;
  private boolean roundHasTools;

  /** Whether built-in calls are a worker's (a self-hosted session), not the runtime's. */
  private final boolean hostedTools;

  private LogState(boolean hostedTools) {
    this.hostedTools = hostedTools;
  }

  static LogState fold(List<StoredEvent> log) {
    return foldEntries(log.stream().map(LogEntry::of).toList());
  }

  static LogState foldEntries(List<LogEntry> log) {
    return foldEntries(log, false);
  }

  /** As {@link #foldEntries(List)}, of a self-hosted session if {@code hostedTools}. */
  static LogState foldEntries(List<LogEntry> log, boolean hostedTools) {
    LogState s = empty(hostedTools);
    log.forEach(s::apply);
    return s.finish();
  }

  /** The state of an empty log, to {@link #apply} events to. */
  static LogState empty() {
    return empty(false);
  }

  /** The state of an empty log of a self-hosted session if {@code hostedTools}. */
  static LogState empty(boolean hostedTools) {
    return new LogState(hostedTools);
  }

  /** An independent copy, to apply more events to without changing this one. */
  LogState copy() {
    LogState c = new LogState(hostedTools);
    c.openHostedUses.putAll(openHostedUses);
    c.queuedInterrupts.addAll(queuedInterrupts);
    c.queuedOthers.addAll(queuedOthers);
    c.openToolUses.putAll(openToolUses);
    c.openMcpUses.putAll(openMcpUses);
    c.openCustomUses.putAll(openCustomUses);
    c.awaitingConfirmation.putAll(awaitingConfirmation);
    c.queuedConfirmations.addAll(queuedConfirmations);
    c.interruptedCustomUses.addAll(interruptedCustomUses);
    c.unreportedCorrupt.putAll(unreportedCorrupt);
    c.outcome = outcome.copy();
    c.phase = phase;
    c.lastIdleStop = lastIdleStop;
    c.lastIdleEventIds = lastIdleEventIds;
    c.danglingSpanId = danglingSpanId;
    c.toolRoundsThisTurn = toolRoundsThisTurn;
    c.failuresInARow = failuresInARow;
    c.roundHasTools = roundHasTools;
    return c;
  }

  boolean hostedTools() {
    return hostedTools;
  }

  /** The state as the runner reads it, once every event is applied; apply no more after. */
  LogState finish() {
    interruptedCustomUses.removeIf(
        id ->
            !openCustomUses.containsKey(id)
                && !awaitingConfirmation.containsKey(id)
                && !openHostedUses.containsKey(id));
    return this;
  }

  /** Whether {@code other} holds the same facts, in the same order (a check of the fold). */
  boolean sameAs(LogState other) {
    return facts().equals(other.facts());
  }

  private List<Object> facts() {
    return Arrays.asList(
        ids(queuedInterrupts),
        ids(queuedOthers),
        List.copyOf(openToolUses.keySet()),
        List.copyOf(openMcpUses.keySet()),
        List.copyOf(openCustomUses.keySet()),
        List.copyOf(openHostedUses.keySet()),
        List.copyOf(awaitingConfirmation.keySet()),
        ids(queuedConfirmations),
        interruptedCustomUses,
        List.copyOf(unreportedCorrupt.keySet()),
        phase,
        lastIdleStop,
        lastIdleEventIds,
        danglingSpanId,
        toolRoundsThisTurn,
        failuresInARow,
        roundHasTools,
        outcome.facts());
  }

  private static List<String> ids(List<LogEntry> entries) {
    return entries.stream().map(LogEntry::id).toList();
  }

  /**
   * What an interrupt answers, in this order: the dangling span closed, every open built-in and
   * custom call and every call awaiting confirmation given an interrupted result.
   */
  List<EventDraft> interruptAnswers(Instant now) {
    List<EventDraft> drafts = new ArrayList<>();
    if (danglingSpanId != null) {
      drafts.add(Events.spanEnd(danglingSpanId, true, null, now));
    }
    openToolUses
        .keySet()
        .forEach(id -> drafts.add(Events.toolResult(id, Events.INTERRUPTED_TOOL, true, now)));
    openHostedUses
        .keySet()
        .forEach(id -> drafts.add(Events.toolResult(id, Events.INTERRUPTED_TOOL, true, now)));
    openCustomUses
        .keySet()
        .forEach(id -> drafts.add(Events.toolResult(id, Events.INTERRUPTED_CUSTOM, true, now)));
    awaitingConfirmation
        .values()
        .forEach(use -> drafts.add(McpEvents.resultFor(use, Events.INTERRUPTED_CUSTOM, true, now)));
    return drafts;
  }

  /** Results for the MCP calls a run died in: their outcome is unknown, they are not re-run. */
  List<EventDraft> cutMcpAnswers(Instant now) {
    List<EventDraft> out = new ArrayList<>();
    openMcpUses
        .keySet()
        .forEach(id -> out.add(McpEvents.result(id, Events.UNKNOWN_OUTCOME, true, now)));
    return out;
  }

  boolean turnOpen() {
    return phase == Phase.RUNNING || phase == Phase.RESCHEDULED;
  }

  /**
   * The calls the session waits on the client for (custom results, confirmations), in log order.
   */
  List<String> blockingIds() {
    List<LogEntry> all = new ArrayList<>(openCustomUses.values());
    all.addAll(openHostedUses.values());
    all.addAll(awaitingConfirmation.values());
    all.sort(Comparator.comparingLong(LogEntry::seq));
    return all.stream().map(LogEntry::id).toList();
  }

  boolean blockedOnAction() {
    return phase == Phase.IDLE && "requires_action".equals(lastIdleStop);
  }

  /** Folds the event after those applied so far. */
  void apply(LogEntry e) {
    if (e.queued()) {
      queue(e);
      return;
    }
    outcome.apply(e);
    switch (e.event()) {
      case Event.UserInterrupt i -> {
        interruptedCustomUses.addAll(openCustomUses.keySet());
        interruptedCustomUses.addAll(openHostedUses.keySet());
        interruptedCustomUses.addAll(awaitingConfirmation.keySet());
      }
      case Event.SessionStatusRunning r -> {
        if (phase != Phase.RUNNING && phase != Phase.RESCHEDULED && !blockedOnAction()) {
          toolRoundsThisTurn = 0;
          failuresInARow = 0;
        }
        phase = Phase.RUNNING;
      }
      case Event.SessionStatusRescheduled r -> phase = Phase.RESCHEDULED;
      case Event.SessionStatusTerminated t -> phase = Phase.TERMINATED;
      case Event.SessionStatusIdle idle -> {
        phase = Phase.IDLE;
        lastIdleStop = idle.stopReason().type();
        List<String> ids = idle.stopReason().eventIds();
        lastIdleEventIds = ids == null ? List.of() : ids;
      }
      case Event.SpanModelRequestStart start -> {
        danglingSpanId = e.id();
        roundHasTools = false;
      }
      case Event.SpanModelRequestEnd end -> {
        danglingSpanId = null;
        if (!end.failed()) {
          failuresInARow = 0;
          if (roundHasTools) {
            toolRoundsThisTurn++;
          }
        }
      }
      case Event.SessionError error -> {
        if (error.retryStatus().equals("retrying")) {
          failuresInARow++;
        }
        if (error.eventSeq() > 0) {
          unreportedCorrupt.remove(error.eventSeq());
        }
      }
      case Event.AgentToolUse use -> {
        (Permissions.asks(use) ? awaitingConfirmation : openOf(use)).put(e.id(), e);
        roundHasTools = true;
      }
      case Event.AgentMcpToolUse use -> {
        // Any other MCP call is answered in the step that journals it; only an asking one waits
        // for the client.
        (Permissions.asks(use) ? awaitingConfirmation : openMcpUses).put(e.id(), e);
        roundHasTools = true;
      }
      case Event.AgentMcpToolResult result -> {
        awaitingConfirmation.remove(result.mcpToolUseId());
        openMcpUses.remove(result.mcpToolUseId());
      }
      case Event.AgentCustomToolUse use -> {
        openCustomUses.put(e.id(), e);
        roundHasTools = true;
      }
      case Event.AgentToolResult result -> {
        String id = result.toolUseId();
        openToolUses.remove(id);
        openHostedUses.remove(id);
        openCustomUses.remove(id);
        awaitingConfirmation.remove(id);
      }
      case Event.UserToolConfirmation confirmation -> {
        // Settled: an allowed call is open like any other (a run that died while it ran finds
        // it so); a denied one already has its error result.
        LogEntry use = awaitingConfirmation.remove(confirmation.toolUseId());
        if (use != null && confirmation.allows()) {
          (use.event() instanceof Event.AgentToolUse builtIn ? openOf(builtIn) : openMcpUses)
              .put(use.id(), use);
        }
      }
      case Event.UserCustomToolResult result -> openCustomUses.remove(result.customToolUseId());
      case Event.Corrupt c -> unreportedCorrupt.put(e.seq(), e);
      case Event.UserMessage m -> {}
      case Event.UserToolResult r -> openHostedUses.remove(r.toolUseId());
      case Event.UserDefineOutcome o -> {}
      case Event.SystemMessage m -> {}
      case Event.AgentMessage m -> {}
      case Event.AgentThinking t -> {}
      case Event.AgentThreadContextCompacted c -> {}
      case Event.AgentThreadMessageSent m -> {}
      case Event.AgentThreadMessageReceived m -> {}
      case Event.SessionDeleted d -> {}
      case Event.SessionUpdated u -> {}
      case Event.SessionUsageSnapshot u -> {}
      case Event.SessionThreadCreated t -> {}
      case Event.SessionThreadStatusRunning t -> {}
      case Event.SessionThreadStatusRescheduled t -> {}
      case Event.SessionThreadStatusTerminated t -> {}
      case Event.SessionThreadStatusIdle t -> {}
      case Event.SpanOutcomeEvaluationStart s -> {}
      case Event.SpanOutcomeEvaluationOngoing s -> {}
      case Event.SpanOutcomeEvaluationEnd s -> {}
      case Event.WorkflowRunEvent w -> {}
      case Event.Unknown u -> {}
    }
  }

  /**
   * Where an open built-in call waits: on the session's worker when the session is self-hosted and
   * the call is one a sandbox runs; else on the runtime (web tools, delegation).
   */
  private Map<String, LogEntry> openOf(Event.AgentToolUse use) {
    return hostedTools && hosted(use.name()) ? openHostedUses : openToolUses;
  }

  /** Whether a self-hosted session's worker runs the built-in tool {@code name}. */
  static boolean hosted(String name) {
    return !RuntimeTools.runs(name) && !Delegation.handles(name);
  }

  /** A user event waiting in the queue: interrupts jump it, confirmations settle one by one. */
  private void queue(LogEntry e) {
    if (e.event() instanceof Event.UserInterrupt) {
      queuedInterrupts.add(e);
    } else if (e.event() instanceof Event.UserToolConfirmation) {
      queuedConfirmations.add(e);
    } else {
      queuedOthers.add(e);
    }
  }
}
