package dev.agentry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;

/**
 * Labels the lines of a multi-agent session by thread. Every event of a child thread carries its
 * {@code session_thread_id}; the thread's agent name is learnt from the {@code
 * session.thread_created} event that precedes all of that thread's events in the log (and from the
 * status events, which name it too), so following the log in order is enough. Primary-thread events
 * carry no thread id and get no label, as in a session without threads.
 */
final class ThreadLabels {
  private final Map<String, String> names = new HashMap<>();

  /** The line for {@code e}: {@code [agent] } before it when a child thread's, and what it says. */
  String line(JsonNode e) {
    learn(e);
    String type = e.path("type").asText();
    String thread = e.path("session_thread_id").asText("");
    String base = SessionCommands.line(e);
    String what = summary(e);
    if (!what.isEmpty()) {
      base = base + "  " + what;
    }
    if (thread.isEmpty() || type.startsWith("session.thread_")) {
      return base;
    }
    int space = base.indexOf(' ');
    return base.substring(0, space + 1) + "[" + name(thread) + "] " + base.substring(space + 1);
  }

  /** The agent name of a thread, or its id while the name is not known. */
  String name(String threadId) {
    return names.getOrDefault(threadId, threadId);
  }

  private void learn(JsonNode e) {
    String thread = e.path("session_thread_id").asText("");
    String name = e.path("agent_name").asText("");
    if (!thread.isEmpty() && !name.isEmpty()) {
      names.put(thread, name);
    }
    remember(e, "to_session_thread_id", "to_agent_name");
    remember(e, "from_session_thread_id", "from_agent_name");
  }

  private void remember(JsonNode e, String idField, String nameField) {
    String id = e.path(idField).asText("");
    String name = e.path(nameField).asText("");
    if (!id.isEmpty() && !name.isEmpty()) {
      names.put(id, name);
    }
  }

  /** What the thread events say; the other events are summarised by {@link SessionCommands}. */
  private String summary(JsonNode e) {
    return switch (e.path("type").asText()) {
      case "session.thread_created",
          "session.thread_status_running",
          "session.thread_status_rescheduled",
          "session.thread_status_terminated" ->
          name(e.path("session_thread_id").asText());
      case "session.thread_status_idle" ->
          name(e.path("session_thread_id").asText())
              + (e.path("stop_reason").has("type")
                  ? " " + e.path("stop_reason").path("type").asText()
                  : "");
      case "agent.thread_message_sent" ->
          "to "
              + peer(e, "to_session_thread_id", "to_agent_name")
              + ": "
              + SessionCommands.short_(SessionCommands.text(e.path("content")));
      case "agent.thread_message_received" ->
          "from "
              + peer(e, "from_session_thread_id", "from_agent_name")
              + ": "
              + SessionCommands.short_(SessionCommands.text(e.path("content")));
      default -> "";
    };
  }

  /** The other end of a thread message; a message to or from the primary thread names no agent. */
  private String peer(JsonNode e, String idField, String nameField) {
    String name = e.path(nameField).asText("");
    if (!name.isEmpty()) {
      return name;
    }
    String id = e.path(idField).asText("");
    return names.containsKey(id) ? names.get(id) : "coordinator";
  }
}
