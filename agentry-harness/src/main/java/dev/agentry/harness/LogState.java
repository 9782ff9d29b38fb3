package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.StoredEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the harness must do next, folded from the log alone: nothing here survives between runs, so
 * a runner that died anywhere is followed by one that reads the same facts.
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

  /** The types whose payload {@link #apply} reads; the others are not parsed, at every step. */
  private static final java.util.Set<String> READS_PAYLOAD =
      java.util.Set.of(
          "session.status_idle",
          "span.model_request_end",
          "session.error",
          "agent.tool_use",
          McpEvents.USE,
          McpEvents.RESULT,
          "agent.tool_result",
          "user.tool_confirmation",
          "user.custom_tool_result");

  final List<StoredEvent> queuedInterrupts = new ArrayList<>();
  final List<StoredEvent> queuedOthers = new ArrayList<>();

  /** Built-in tool calls without a result, by event id. */
  final Map<String, StoredEvent> openToolUses = new LinkedHashMap<>();

  /** Custom tool calls the client has not answered, by event id. */
  final Map<String, StoredEvent> openCustomUses = new LinkedHashMap<>();

  /**
   * Built-in and MCP calls whose permission evaluated to {@code ask} and that no confirmation has
   * settled yet, by event id (docs/permissions.md).
   */
  final Map<String, StoredEvent> awaitingConfirmation = new LinkedHashMap<>();

  /** {@code user.tool_confirmation}s not yet settled, in order. */
  final List<StoredEvent> queuedConfirmations = new ArrayList<>();

  /** Open custom calls that an interrupt (stored processed while idle) has overtaken. */
  final List<String> interruptedCustomUses = new ArrayList<>();

  Phase phase = Phase.NONE;
  String lastIdleStop;
  List<String> lastIdleEventIds = List.of();
  String danglingSpanId;
  int toolRoundsThisTurn;
  int failuresInARow;
  private boolean roundHasTools;

  private LogState() {}

  static LogState fold(List<StoredEvent> log) {
    LogState s = empty();
    log.forEach(s::apply);
    return s.finish();
  }

  /** The state of an empty log, to {@link #apply} events to. */
  static LogState empty() {
    return new LogState();
  }

  /** An independent copy, to apply more events to without changing this one. */
  LogState copy() {
    LogState c = new LogState();
    c.queuedInterrupts.addAll(queuedInterrupts);
    c.queuedOthers.addAll(queuedOthers);
    c.openToolUses.putAll(openToolUses);
    c.openCustomUses.putAll(openCustomUses);
    c.awaitingConfirmation.putAll(awaitingConfirmation);
    c.queuedConfirmations.addAll(queuedConfirmations);
    c.interruptedCustomUses.addAll(interruptedCustomUses);
    c.phase = phase;
    c.lastIdleStop = lastIdleStop;
    c.lastIdleEventIds = lastIdleEventIds;
    c.danglingSpanId = danglingSpanId;
    c.toolRoundsThisTurn = toolRoundsThisTurn;
    c.failuresInARow = failuresInARow;
    c.roundHasTools = roundHasTools;
    return c;
  }

  /** The state as the runner reads it, once every event is applied; apply no more after. */
  LogState finish() {
    interruptedCustomUses.removeIf(
        id -> !openCustomUses.containsKey(id) && !awaitingConfirmation.containsKey(id));
    return this;
  }

  /** Whether {@code other} holds the same facts, in the same order (a check of the fold). */
  boolean sameAs(LogState other) {
    return facts().equals(other.facts());
  }

  private List<Object> facts() {
    return java.util.Arrays.asList(
        queuedInterrupts,
        queuedOthers,
        List.copyOf(openToolUses.entrySet()),
        List.copyOf(openCustomUses.entrySet()),
        List.copyOf(awaitingConfirmation.entrySet()),
        queuedConfirmations,
        interruptedCustomUses,
        phase,
        lastIdleStop,
        lastIdleEventIds,
        danglingSpanId,
        toolRoundsThisTurn,
        failuresInARow,
        roundHasTools);
  }

  /**
   * What an interrupt answers, in this order: the dangling span closed, every open built-in and
   * custom call and every call awaiting confirmation given an interrupted result.
   */
  List<dev.agentry.core.EventDraft> interruptAnswers(java.time.Instant now) {
    List<dev.agentry.core.EventDraft> drafts = new ArrayList<>();
    if (danglingSpanId != null) {
      drafts.add(Events.spanEnd(danglingSpanId, true, null, now));
    }
    openToolUses
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

  boolean turnOpen() {
    return phase == Phase.RUNNING || phase == Phase.RESCHEDULED;
  }

  /**
   * The calls the session waits on the client for (custom results, confirmations), in log order.
   */
  List<String> blockingIds() {
    List<StoredEvent> all = new ArrayList<>(openCustomUses.values());
    all.addAll(awaitingConfirmation.values());
    all.sort(java.util.Comparator.comparingLong(StoredEvent::seq));
    return all.stream().map(StoredEvent::id).toList();
  }

  boolean blockedOnAction() {
    return phase == Phase.IDLE && "requires_action".equals(lastIdleStop);
  }

  /** Folds the event after those applied so far. */
  void apply(StoredEvent e) {
    String type = e.type();
    if (type.startsWith("user.") && e.processedAt() == null) {
      switch (type) {
        case "user.interrupt" -> queuedInterrupts.add(e);
        case "user.tool_confirmation" -> queuedConfirmations.add(e);
        default -> queuedOthers.add(e);
      }
      return;
    }
    JsonNode p = READS_PAYLOAD.contains(type) ? Events.payload(e) : null;
    switch (type) {
      case "user.interrupt" -> {
        interruptedCustomUses.addAll(openCustomUses.keySet());
        interruptedCustomUses.addAll(awaitingConfirmation.keySet());
      }
      case "session.status_running" -> {
        if (phase != Phase.RUNNING && phase != Phase.RESCHEDULED && !blockedOnAction()) {
          toolRoundsThisTurn = 0;
          failuresInARow = 0;
        }
        phase = Phase.RUNNING;
      }
      case "session.status_rescheduled" -> phase = Phase.RESCHEDULED;
      case "session.status_terminated" -> phase = Phase.TERMINATED;
      case "session.status_idle" -> {
        phase = Phase.IDLE;
        JsonNode reason = p.path("stop_reason");
        lastIdleStop = reason.path("type").asText();
        List<String> ids = new ArrayList<>();
        reason.path("event_ids").forEach(id -> ids.add(id.asText()));
        lastIdleEventIds = ids;
      }
      case "span.model_request_start" -> {
        danglingSpanId = e.id();
        roundHasTools = false;
      }
      case "span.model_request_end" -> {
        danglingSpanId = null;
        if (!p.path("is_error").asBoolean(false)) {
          failuresInARow = 0;
          if (roundHasTools) {
            toolRoundsThisTurn++;
          }
        }
      }
      case "session.error" -> {
        if (p.path("error").path("retry_status").path("type").asText().equals("retrying")) {
          failuresInARow++;
        }
      }
      case "agent.tool_use" -> {
        (Permissions.asks(p) ? awaitingConfirmation : openToolUses).put(e.id(), e);
        roundHasTools = true;
      }
      case McpEvents.USE -> {
        // An allowed MCP call is answered in the step that journals it (McpEvents.unanswered
        // covers a run that died meanwhile); only an asking one waits here.
        if (Permissions.asks(p)) {
          awaitingConfirmation.put(e.id(), e);
        }
        roundHasTools = true;
      }
      case McpEvents.RESULT -> awaitingConfirmation.remove(p.path("mcp_tool_use_id").asText());
      case "agent.custom_tool_use" -> {
        openCustomUses.put(e.id(), e);
        roundHasTools = true;
      }
      case "agent.tool_result" -> {
        String id = p.path("tool_use_id").asText();
        openToolUses.remove(id);
        openCustomUses.remove(id);
        awaitingConfirmation.remove(id);
      }
      case "user.tool_confirmation" -> {
        // Settled: an allowed call is open like any other (a run that died while it ran finds
        // it so; an MCP call's is found by McpEvents.unanswered); a denied one already has its
        // error result.
        StoredEvent use = awaitingConfirmation.remove(p.path("tool_use_id").asText());
        if (use != null
            && use.type().equals("agent.tool_use")
            && "allow".equals(p.path("result").asText())) {
          openToolUses.put(use.id(), use);
        }
      }
      case "user.custom_tool_result" ->
          openCustomUses.remove(p.path("custom_tool_use_id").asText());
      default -> {}
    }
  }
}
