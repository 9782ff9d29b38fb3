package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.core.StoredEvent;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates {@code user.tool_confirmation} events (docs/permissions.md): each must answer a tool
 * call of this session whose permission evaluated to {@code ask} and that nothing has answered yet
 * (no result, no earlier confirmation, none earlier in the same request).
 */
final class ToolConfirmations {
  private static final int PAGE = 1000;

  private ToolConfirmations() {}

  /** A second confirmation of one call within one request is refused. */
  static void checkBatch(List<UserEventParser.Parsed> parsed) {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < parsed.size(); i++) {
      UserEventParser.Parsed p = parsed.get(i);
      if (!p.type().equals(UserEventParser.TOOL_CONFIRMATION)) {
        continue;
      }
      String id = p.payload().path("tool_use_id").asText();
      Integer first = seen.putIfAbsent(id, i);
      if (first != null) {
        throw ApiError.invalid(
            "events["
                + i
                + "].tool_use_id: "
                + id
                + " is already answered by events["
                + first
                + "] of this request");
      }
    }
  }

  /** The call must exist, have asked, and still be waiting. */
  static void check(Api api, String sessionId, JsonNode payload, String path) {
    String id = payload.path("tool_use_id").asText();
    String field = path + ".tool_use_id: " + id;
    StoredEvent use = api.store().events().find(sessionId, id).orElse(null);
    if (use == null
        || !(use.type().equals("agent.tool_use") || use.type().equals("agent.mcp_tool_use"))) {
      throw ApiError.invalid(
          field + " is not a agent.tool_use or agent.mcp_tool_use event of this session");
    }
    if (!"ask".equals(tree(use).path("evaluated_permission").asText())) {
      throw ApiError.invalid(field + " is not awaiting confirmation (its permission was not ask)");
    }
    long after = use.seq();
    while (true) {
      List<StoredEvent> page = api.store().events().readAfter(sessionId, after, PAGE);
      for (StoredEvent e : page) {
        String answered =
            switch (e.type()) {
              case "agent.tool_result", "user.tool_confirmation" ->
                  tree(e).path("tool_use_id").asText();
              case "agent.mcp_tool_result" -> tree(e).path("mcp_tool_use_id").asText();
              default -> null;
            };
        if (id.equals(answered)) {
          throw ApiError.invalid(
              field
                  + " is not awaiting confirmation: it was already answered ("
                  + e.type()
                  + " "
                  + e.id()
                  + ")");
        }
      }
      if (page.size() < PAGE) {
        return;
      }
      after = page.get(page.size() - 1).seq();
    }
  }

  private static JsonNode tree(StoredEvent e) {
    try {
      return Json.mapper().readTree(e.payload());
    } catch (IOException ex) {
      throw new IllegalStateException("stored event " + e.id() + " is not JSON", ex);
    }
  }
}
