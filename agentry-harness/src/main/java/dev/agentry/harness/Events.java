package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.EventDraft;
import dev.agentry.core.Json;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelUsage;
import dev.agentry.core.StoredEvent;
import java.time.Instant;
import java.util.Collection;

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
    return draft("session.status_running", object(), at);
  }

  static EventDraft rescheduled(Instant at) {
    return draft("session.status_rescheduled", object(), at);
  }

  static EventDraft idle(String stopType, Instant at) {
    ObjectNode p = object();
    p.putObject("stop_reason").put("type", stopType);
    p.putNull("stop_details");
    return draft("session.status_idle", p, at);
  }

  static EventDraft requiresAction(Collection<String> eventIds, Instant at) {
    ObjectNode p = object();
    ObjectNode reason = p.putObject("stop_reason").put("type", "requires_action");
    ArrayNode ids = reason.putArray("event_ids");
    eventIds.forEach(ids::add);
    p.putNull("stop_details");
    return draft("session.status_idle", p, at);
  }

  static EventDraft spanStart(Instant at) {
    return draft("span.model_request_start", object(), at);
  }

  static EventDraft spanEnd(String startId, boolean isError, ModelUsage usage, Instant at) {
    ObjectNode p = object().put("model_request_start_id", startId).put("is_error", isError);
    ModelUsage u = usage == null ? ModelUsage.ZERO : usage;
    p.putObject("model_usage")
        .put("input_tokens", u.inputTokens())
        .put("output_tokens", u.outputTokens())
        .put("cache_creation_input_tokens", u.cacheCreationInputTokens())
        .put("cache_read_input_tokens", u.cacheReadInputTokens());
    return draft("span.model_request_end", p, at);
  }

  static EventDraft error(String type, String message, String retryStatus, Instant at) {
    ObjectNode p = object();
    ObjectNode err = p.putObject("error").put("type", type).put("message", message);
    err.putObject("retry_status").put("type", retryStatus);
    return draft("session.error", p, at);
  }

  static EventDraft error(ModelException e, String retryStatus, Instant at) {
    return error(e.errorType(), e.getMessage(), retryStatus, at);
  }

  static EventDraft toolResult(String toolUseId, String text, boolean isError, Instant at) {
    ObjectNode p = object().put("tool_use_id", toolUseId);
    p.putArray("content").addObject().put("type", "text").put("text", text);
    p.put("is_error", isError);
    return draft("agent.tool_result", p, at);
  }

  static EventDraft thinking(Instant at) {
    return draft("agent.thinking", object(), at);
  }

  static EventDraft message(java.util.List<String> texts, Instant at) {
    ObjectNode p = object();
    ArrayNode content = p.putArray("content");
    texts.forEach(t -> content.addObject().put("type", "text").put("text", t));
    return draft("agent.message", p, at);
  }

  static EventDraft toolUse(String name, JsonNode input, Instant at) {
    ObjectNode p = object().put("name", name);
    p.set("input", input);
    p.put("evaluated_permission", "allow");
    return draft("agent.tool_use", p, at);
  }

  static EventDraft customToolUse(String name, JsonNode input, Instant at) {
    ObjectNode p = object().put("name", name);
    p.set("input", input);
    return draft("agent.custom_tool_use", p, at);
  }

  static EventDraft compacted(String summary, long throughSeq, Instant at) {
    ObjectNode p = object().put("summary", summary).put("compacted_through_seq", throughSeq);
    return draft("agent.thread_context_compacted", p, at);
  }
}
