package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.EventDraft;
import dev.agentry.core.StoredEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The MCP tool events ({@code agent.mcp_tool_use}, {@code agent.mcp_tool_result}), and the result
 * that answers any kind of tool use.
 */
final class McpEvents {
  static final String USE = "agent.mcp_tool_use";
  static final String RESULT = "agent.mcp_tool_result";

  private McpEvents() {}

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
   * re-run, since a call may have half-happened; the model is told the outcome is unknown. A call
   * that asked for a confirmation counts only once an allow has been settled (processed): before
   * that it waits for the user, not for a result.
   */
  static List<EventDraft> unanswered(List<StoredEvent> log, Instant at) {
    Map<String, StoredEvent> open = new LinkedHashMap<>();
    Set<String> asking = new HashSet<>();
    for (StoredEvent e : log) {
      if (e.type().equals(USE)) {
        if (Permissions.asks(Events.payload(e))) {
          asking.add(e.id());
        } else {
          open.put(e.id(), e);
        }
      } else if (e.type().equals(RESULT)) {
        String id = Events.payload(e).path("mcp_tool_use_id").asText();
        open.remove(id);
        asking.remove(id);
      } else if (e.type().equals("user.tool_confirmation") && e.processedAt() != null) {
        JsonNode p = Events.payload(e);
        String id = p.path("tool_use_id").asText();
        if (asking.remove(id) && "allow".equals(p.path("result").asText())) {
          open.put(id, e);
        }
      }
    }
    List<EventDraft> out = new ArrayList<>();
    open.keySet().forEach(id -> out.add(result(id, Events.UNKNOWN_OUTCOME, true, at)));
    return out;
  }
}
