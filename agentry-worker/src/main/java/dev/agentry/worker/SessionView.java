package dev.agentry.worker;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a session's events say a worker should do: the {@code agent.tool_use} calls the session is
 * waiting on (listed by a {@code requires_action} idle of the session or of a thread, and not
 * answered yet), which of them may run now (allowed, or confirmed by {@code
 * user.tool_confirmation}), and whether the worker is done with the session (it ended, or it is
 * idle with nothing waiting on the worker). Events are folded once each, by id, so a list and a
 * stream that overlap fold to the same view.
 */
final class SessionView {
  /** A built-in tool call the session made. */
  record Call(String id, String name, JsonNode input, String threadId, String permission) {}

  private final Map<String, Call> calls = new LinkedHashMap<>();
  private final Set<String> listed = new HashSet<>();
  private final Set<String> resolved = new HashSet<>();
  private final Map<String, String> confirmations = new HashMap<>();
  private final Set<String> seen = new HashSet<>();
  private boolean idle;
  private boolean ended;

  /** A view that starts from the session's status as retrieved, before any event is folded. */
  SessionView(String status) {
    this.idle = "idle".equals(status);
    this.ended = "terminated".equals(status);
  }

  void apply(JsonNode event) {
    String id = event.path("id").asText("");
    if (!id.isEmpty() && !seen.add(id)) {
      return;
    }
    String type = event.path("type").asText("");
    switch (type) {
      case "agent.tool_use" ->
          calls.put(
              id,
              new Call(
                  id,
                  event.path("name").asText(""),
                  event.path("input"),
                  event.path("session_thread_id").asText(""),
                  event.path("evaluated_permission").asText("")));
      case "user.tool_result", "agent.tool_result" ->
          resolved.add(event.path("tool_use_id").asText());
      case "user.tool_confirmation" ->
          confirmations.putIfAbsent(
              event.path("tool_use_id").asText(), event.path("result").asText("deny"));
      case "session.status_idle" -> {
        idle = true;
        listWaiting(event);
      }
      case "session.thread_status_idle" -> listWaiting(event);
      case "session.status_terminated", "session.deleted" -> ended = true;
      default -> {
        if (type.startsWith("session.status_")) {
          idle = false;
        }
      }
    }
  }

  private void listWaiting(JsonNode idleEvent) {
    JsonNode reason = idleEvent.path("stop_reason");
    if ("requires_action".equals(reason.path("type").asText())) {
      reason.path("event_ids").forEach(e -> listed.add(e.asText()));
    }
  }

  /** Our result was posted: the session has yet to say what it does next. */
  void posted(String callId) {
    resolved.add(callId);
    idle = false;
  }

  boolean ended() {
    return ended;
  }

  boolean resolved(String callId) {
    return resolved.contains(callId);
  }

  /** The waiting calls that may run now and that {@code handled} does not hold, oldest first. */
  List<Call> runnable(Set<String> handled) {
    List<Call> out = new ArrayList<>();
    for (Call call : waiting()) {
      if (!handled.contains(call.id()) && allowed(call)) {
        out.add(call);
      }
    }
    return out;
  }

  /**
   * Whether nothing is left for the worker: the session ended, or it is idle and every call it
   * waits on is handled, denied, or not ours. A call that waits for its confirmation keeps the
   * worker, which runs it once it is allowed.
   */
  boolean done(Set<String> handled) {
    if (ended) {
      return true;
    }
    if (!idle) {
      return false;
    }
    return waiting().stream().allMatch(call -> handled.contains(call.id()));
  }

  private List<Call> waiting() {
    List<Call> out = new ArrayList<>();
    for (Call call : calls.values()) {
      if (listed.contains(call.id()) && !resolved.contains(call.id()) && !denied(call)) {
        out.add(call);
      }
    }
    return out;
  }

  private boolean allowed(Call call) {
    String p = call.permission();
    return p.isEmpty() || "allow".equals(p) || "allow".equals(confirmations.get(call.id()));
  }

  private boolean denied(Call call) {
    return "deny".equals(call.permission())
        || (confirmations.containsKey(call.id()) && !"allow".equals(confirmations.get(call.id())));
  }
}
