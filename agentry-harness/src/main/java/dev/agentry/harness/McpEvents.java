package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.EventDraft;
import dev.agentry.core.StoredEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The MCP tool events (cma-api §5.2), and the result that answers any kind of tool use. */
final class McpEvents {
  static final String USE = "agent.mcp_tool_use";
  static final String RESULT = "agent.mcp_tool_result";

  private McpEvents() {}

  static EventDraft use(String tool, String server, JsonNode input, Instant at) {
    ObjectNode p = Events.object().put("name", tool).put("mcp_server_name", server);
    p.set("input", input);
    p.put("evaluated_permission", "allow");
    return Events.draft(USE, p, at);
  }

  static EventDraft result(String useId, String text, boolean isError, Instant at) {
    ObjectNode p = Events.object().put("mcp_tool_use_id", useId);
    p.putArray("content").addObject().put("type", "text").put("text", text);
    p.put("is_error", isError);
    return Events.draft(RESULT, p, at);
  }

  /** The result event that answers {@code use}, whether a built-in or an MCP tool use. */
  static EventDraft resultFor(StoredEvent use, String text, boolean isError, Instant at) {
    return use.type().equals(USE)
        ? result(use.id(), text, isError, at)
        : Events.toolResult(use.id(), text, isError, at);
  }

  /**
   * Results for MCP calls the log holds without one (a run died while they ran): they are never
   * re-run, since a call may have half-happened; the model is told the outcome is unknown.
   */
  static List<EventDraft> unanswered(List<StoredEvent> log, Instant at) {
    Map<String, StoredEvent> open = new LinkedHashMap<>();
    for (StoredEvent e : log) {
      if (e.type().equals(USE)) {
        open.put(e.id(), e);
      } else if (e.type().equals(RESULT)) {
        open.remove(Events.payload(e).path("mcp_tool_use_id").asText());
      }
    }
    List<EventDraft> out = new ArrayList<>();
    open.keySet().forEach(id -> out.add(result(id, Events.UNKNOWN_OUTCOME, true, at)));
    return out;
  }
}
