package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Event;
import dev.agentry.core.EventCodec;
import dev.agentry.core.EventDraft;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.LogEntry;
import dev.agentry.core.Roster;
import dev.agentry.core.SessionThreads;
import dev.agentry.core.ThreadView;
import dev.agentry.core.ToolDefinition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The coordinator's tools {@code list_agents} and {@code send_to_agent} (docs/decisions/0033).
 * Sending returns at once: the tool's result, the thread's creation (the first time), the message
 * as the coordinator sent it and as the member receives it (queued for the member's thread) are one
 * commit, so a run that dies around it either sent the message once or not at all. The member's
 * reply comes back later, when its turn ends ({@link ThreadScope}).
 */
final class Delegation {
  static final String LIST_AGENTS = "list_agents";
  static final String SEND_TO_AGENT = "send_to_agent";

  private static final List<ToolDefinition> DEFINITIONS =
      List.of(
          new ToolDefinition(
              LIST_AGENTS,
              "List the agents you can delegate to: their names, descriptions and models.",
              schema("{\"type\":\"object\",\"properties\":{}}")),
          new ToolDefinition(
              SEND_TO_AGENT,
              "Send a message to an agent of your roster. Each message starts a new thread, with"
                  + " its own conversation, unless session_thread_id names one of that agent's"
                  + " threads to continue. This returns at once with the thread's id; the agent's"
                  + " reply arrives later as a message from it.",
              schema(
                  "{\"type\":\"object\",\"properties\":{\"agent_name\":{\"type\":\"string\"},"
                      + "\"message\":{\"type\":\"string\"},"
                      + "\"session_thread_id\":{\"type\":\"string\"}},"
                      + "\"required\":[\"agent_name\",\"message\"]}")));

  private final Roster roster;
  private final String primaryId;

  Delegation(Roster roster, String sessionId) {
    this.roster = roster;
    this.primaryId = ThreadView.primaryId(sessionId);
  }

  static boolean handles(String toolName) {
    return toolName.equals(LIST_AGENTS) || toolName.equals(SEND_TO_AGENT);
  }

  static List<ToolDefinition> definitions() {
    return DEFINITIONS;
  }

  /** The events that answer the call {@code toolUseId}, to commit at once. */
  List<EventDraft> answer(
      String toolUseId, Event.AgentToolUse call, List<LogEntry> log, Instant at) {
    if (call.name().equals(LIST_AGENTS)) {
      return List.of(Events.toolResult(toolUseId, listing(), false, at));
    }
    String name = call.input().path("agent_name").asText("");
    String message = call.input().path("message").asText("");
    var member = roster.member(name);
    if (member.isEmpty()) {
      return List.of(
          Events.toolResult(
              toolUseId,
              "No agent named '"
                  + name
                  + "' is on the roster; the agents are: "
                  + roster.members().stream()
                      .map(Roster.Member::name)
                      .collect(Collectors.joining(", ")),
              true,
              at));
    }
    if (message.isBlank()) {
      return List.of(Events.toolResult(toolUseId, "message: must not be empty", true, at));
    }
    List<EventDraft> out = new ArrayList<>();
    String threadId = call.input().path("session_thread_id").asText("");
    if (threadId.isEmpty()) {
      threadId = Ids.next(IdKind.THREAD);
      out.add(EventCodec.draft(new Event.SessionThreadCreated(threadId, name, null), at));
    } else {
      String refused = continuable(threadId, name, log);
      if (refused != null) {
        return List.of(Events.toolResult(toolUseId, refused, true, at));
      }
    }
    ObjectNode result = Json.mapper().createObjectNode();
    result.put("session_thread_id", threadId).put("agent_name", name).put("status", "sent");
    out.addFirst(Events.toolResult(toolUseId, result.toString(), false, at));
    ArrayNode content = Events.textContent(message);
    out.add(EventCodec.draft(new Event.AgentThreadMessageSent(threadId, name, content), at));
    String received =
        EventCodec.write(new Event.AgentThreadMessageReceived(primaryId, null, content));
    // Queued for the member's thread, as a user's message is for a session.
    out.add(
        EventDraft.of(
            EventCodec.type(Event.AgentThreadMessageReceived.class),
            ThreadView.withTag(received, threadId),
            null));
    return out;
  }

  /** Why thread {@code id} cannot take a message for agent {@code name}, or null if it can. */
  private static String continuable(String id, String name, List<LogEntry> log) {
    var t = SessionThreads.fold(log).get(id);
    if (t == null || !t.agentName.equals(name)) {
      return "session_thread_id: " + id + " is not a thread of agent '" + name + "'";
    }
    if (t.archivedAt() != null) {
      return "session_thread_id: thread " + id + " is archived; send without it to start a new one";
    }
    return null;
  }

  private String listing() {
    ArrayNode agents = Json.mapper().createArrayNode();
    for (Roster.Member m : roster.members()) {
      ObjectNode a = agents.addObject().put("name", m.name());
      a.put("description", m.agent().spec().description());
      a.put("model", m.agent().spec().model().id());
    }
    return agents.toString();
  }

  private static JsonNode schema(String json) {
    return Json.read(json, JsonNode.class);
  }
}
