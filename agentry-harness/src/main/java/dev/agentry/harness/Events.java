package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Event;
import dev.agentry.core.EventCodec;
import dev.agentry.core.EventDraft;
import dev.agentry.core.Json;
import dev.agentry.core.LogEntry;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelUsage;
import dev.agentry.core.StoredEvent;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * The events the harness writes, with the wire payloads the official SDKs parse, and helpers to
 * read stored payloads back.
 */
final class Events {
  static final String INTERRUPTED_CUSTOM =
      "Tool execution was interrupted before completion. Please retry.";
  static final String INTERRUPTED_TOOL = "interrupted: the user interrupted the tool";
  static final String UNKNOWN_OUTCOME =
      "The outcome of this tool call is unknown: the server stopped while the tool was running,"
          + " so it was not re-run. Check its effects before retrying it.";

  private Events() {}

  static JsonNode payload(StoredEvent e) {
    try {
      return Json.mapper().readTree(e.payload());
    } catch (java.io.IOException ex) {
      throw new IllegalStateException("stored event " + e.id() + " is not JSON", ex);
    }
  }

  /** The text blocks of an event's {@code content}, joined; other blocks are named, not dropped. */
  static String text(JsonNode content) {
    StringBuilder sb = new StringBuilder();
    for (JsonNode block : content) {
      if (!sb.isEmpty()) {
        sb.append('\n');
      }
      String type = block.path("type").asText();
      sb.append(type.equals("text") ? block.path("text").asText() : "[" + type + " omitted]");
    }
    return sb.toString();
  }

  static ObjectNode object() {
    return Json.mapper().createObjectNode();
  }

  static EventDraft draft(String type, JsonNode payload, Instant at) {
    return EventDraft.of(type, payload.toString(), at);
  }

  static EventDraft running(Instant at) {
    return EventCodec.draft(new Event.SessionStatusRunning(), at);
  }

  static EventDraft rescheduled(Instant at) {
    return EventCodec.draft(new Event.SessionStatusRescheduled(), at);
  }

  static EventDraft idle(String stopType, Instant at) {
    return EventCodec.draft(new Event.SessionStatusIdle(Event.StopReason.of(stopType), null), at);
  }

  static EventDraft requiresAction(Collection<String> eventIds, Instant at) {
    Event.StopReason reason = new Event.StopReason("requires_action", List.copyOf(eventIds));
    return EventCodec.draft(new Event.SessionStatusIdle(reason, null), at);
  }

  static EventDraft spanStart(Instant at) {
    return EventCodec.draft(new Event.SpanModelRequestStart(), at);
  }

  static EventDraft spanEnd(String startId, boolean isError, ModelUsage usage, Instant at) {
    return EventCodec.draft(
        new Event.SpanModelRequestEnd(startId, isError, Event.TokenUsage.of(usage)), at);
  }

  static EventDraft error(String type, String message, String retryStatus, Instant at) {
    ObjectNode err = object().put("type", type).put("message", message);
    err.putObject("retry_status").put("type", retryStatus);
    return EventCodec.draft(new Event.SessionError(err), at);
  }

  static EventDraft error(ModelException e, String retryStatus, Instant at) {
    return error(e.errorType(), e.getMessage(), retryStatus, at);
  }

  /**
   * A log row this build cannot read: the model never sees it, so the session's errors say which
   * one ({@code event_seq}, which the fold reads to report each row once).
   */
  static EventDraft corrupt(LogEntry row, Instant at) {
    String problem = row.event() instanceof Event.Corrupt c ? c.problem() : "it is unreadable";
    ObjectNode err =
        object()
            .put("type", "unknown_error")
            .put(
                "message",
                "event "
                    + row.seq()
                    + " ("
                    + row.type()
                    + ") of this session's log could not be read: "
                    + problem
                    + "; the agent continues without it")
            .put("event_seq", row.seq());
    err.putObject("retry_status").put("type", "terminal");
    return EventCodec.draft(new Event.SessionError(err), at);
  }

  static EventDraft toolResult(String toolUseId, String text, boolean isError, Instant at) {
    return EventCodec.draft(new Event.AgentToolResult(toolUseId, textContent(text), isError), at);
  }

  /** {@code [{"type":"text","text":text}]}. */
  static ArrayNode textContent(String text) {
    ArrayNode content = Json.mapper().createArrayNode();
    content.addObject().put("type", "text").put("text", text);
    return content;
  }

  static EventDraft thinking(Instant at) {
    return EventCodec.draft(new Event.AgentThinking(), at);
  }

  static EventDraft message(List<String> texts, Instant at) {
    ArrayNode content = Json.mapper().createArrayNode();
    texts.forEach(t -> content.addObject().put("type", "text").put("text", t));
    return EventCodec.draft(new Event.AgentMessage(content), at);
  }

  static EventDraft toolUse(String name, JsonNode input, Instant at) {
    return EventCodec.draft(new Event.AgentToolUse(name, input, "allow", null, null), at);
  }

  static EventDraft customToolUse(String name, JsonNode input, Instant at) {
    return EventCodec.draft(new Event.AgentCustomToolUse(name, input, null), at);
  }

  static EventDraft compacted(String summary, long throughSeq, Instant at) {
    return EventCodec.draft(new Event.AgentThreadContextCompacted(summary, throughSeq), at);
  }
}
