package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Json;
import dev.agentry.core.Store;
import dev.agentry.core.StoredEvent;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The calls a user event may answer (docs/permissions.md): a {@code user.tool_confirmation} answers
 * a tool call of this session whose permission evaluated to {@code ask} and that nothing has
 * answered yet (no result, no earlier confirmation, none earlier in the same request); a custom
 * tool result or a self-hosted tool result names a call of its kind in this session.
 */
final class PendingCalls {
  private static final int PAGE = 1000;
  private final Store store;

  PendingCalls(Store store) {
    this.store = store;
  }

  /**
   * A second confirmation, or a second worker result, of one call within one request is refused.
   */
  static void checkBatch(List<UserEvent> events) {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < events.size(); i++) {
      UserEvent e = events.get(i);
      if (!e.type().equals(UserEvent.TOOL_CONFIRMATION)
          && !e.type().equals(UserEvent.TOOL_RESULT)) {
        continue;
      }
      String id = e.payload().path("tool_use_id").asText();
      Integer first = seen.putIfAbsent(e.type() + " " + id, i);
      if (first != null) {
        throw EventsRefused.invalid(
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
  void checkConfirmation(String sessionId, JsonNode payload, String path) {
    String id = payload.path("tool_use_id").asText();
    String field = path + ".tool_use_id: " + id;
    StoredEvent use = store.events().find(sessionId, id).orElse(null);
    if (use == null
        || !(use.type().equals("agent.tool_use") || use.type().equals("agent.mcp_tool_use"))) {
      throw EventsRefused.invalid(
          field + " is not a agent.tool_use or agent.mcp_tool_use event of this session");
    }
    if (!"ask".equals(tree(use).path("evaluated_permission").asText())) {
      throw EventsRefused.invalid(
          field + " is not awaiting confirmation (its permission was not ask)");
    }
    long after = use.seq();
    while (true) {
      List<StoredEvent> page = store.events().readAfter(sessionId, after, PAGE);
      for (StoredEvent e : page) {
        String answered =
            switch (e.type()) {
              case "agent.tool_result", "user.tool_confirmation" ->
                  tree(e).path("tool_use_id").asText();
              case "agent.mcp_tool_result" -> tree(e).path("mcp_tool_use_id").asText();
              default -> null;
            };
        if (id.equals(answered)) {
          throw EventsRefused.invalid(
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

  /**
   * A worker's {@code user.tool_result} answers a built-in call of this session that a worker runs
   * and that still waits: not answered yet (a first result stays, a late or second one is refused),
   * and confirmed first if its permission asked.
   */
  void checkHostedResult(String sessionId, JsonNode payload, String path) {
    String id = payload.path("tool_use_id").asText();
    String field = path + ".tool_use_id: " + id;
    StoredEvent use = store.events().find(sessionId, id).orElse(null);
    if (use == null || !use.type().equals("agent.tool_use")) {
      throw EventsRefused.invalid(field + " is not a agent.tool_use event of this session");
    }
    JsonNode call = tree(use);
    if (!LogState.hosted(call.path("name").asText())) {
      throw EventsRefused.invalid(
          field + " is not waiting for a worker: the runtime runs " + call.path("name").asText());
    }
    boolean confirmed = !"ask".equals(call.path("evaluated_permission").asText());
    long after = use.seq();
    while (true) {
      List<StoredEvent> page = store.events().readAfter(sessionId, after, PAGE);
      for (StoredEvent e : page) {
        boolean answers =
            switch (e.type()) {
              case "agent.tool_result", "user.tool_result" ->
                  id.equals(tree(e).path("tool_use_id").asText());
              case "user.tool_confirmation" -> {
                JsonNode c = tree(e);
                confirmed |=
                    id.equals(c.path("tool_use_id").asText())
                        && "allow".equals(c.path("result").asText());
                yield false;
              }
              default -> false;
            };
        if (answers) {
          throw EventsRefused.invalid(
              field
                  + " is not waiting for a result: it was already answered ("
                  + e.type()
                  + " "
                  + e.id()
                  + ")");
        }
      }
      if (page.size() < PAGE) {
        break;
      }
      after = page.get(page.size() - 1).seq();
    }
    if (!confirmed) {
      throw EventsRefused.invalid(
          field + " is not waiting for a result: it awaits a user.tool_confirmation first");
    }
  }

  /** The event {@code payload.field} names must be one of {@code types} in this session. */
  void requireEvent(
      String sessionId, ObjectNode payload, String field, String path, Set<String> types) {
    String id = payload.path(field).asText();
    StoredEvent target = store.events().find(sessionId, id).orElse(null);
    if (target == null || !types.contains(target.type())) {
      throw EventsRefused.invalid(
          path
              + "."
              + field
              + ": "
              + id
              + " is not a "
              + String.join(" or ", types)
              + " event of this session");
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
