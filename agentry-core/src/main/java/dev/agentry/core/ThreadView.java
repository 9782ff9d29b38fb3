package dev.agentry.core;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Set;

/**
 * Which stream of a multi-agent session shows a stored event (docs/decisions/0033). A child
 * thread's events carry {@code session_thread_id} in their payload; the primary thread's carry
 * none. The session stream (the primary thread's) shows untagged events, every {@code user.*} echo,
 * the thread lifecycle events (whose {@code session_thread_id} names the child they are about), and
 * a child's {@code requires_action} calls cross-posted; a child's stream shows the events tagged
 * with its id. Pure: the event routes and the harness both ask it.
 */
public final class ThreadView {
  public static final String FIELD = "session_thread_id";

  /** Events about a thread that the primary stream carries, not the thread's own. */
  public static final Set<String> LIFECYCLE =
      Set.of(
          "session.thread_created",
          "session.thread_status_running",
          "session.thread_status_idle",
          "session.thread_status_rescheduled",
          "session.thread_status_terminated");

  private static final String MARK = "\"" + FIELD + "\"";

  private ThreadView() {}

  /** The primary thread's id: derived from the session's, so it needs no storage. */
  public static String primaryId(String sessionId) {
    return IdKind.THREAD.prefix() + sessionId.substring(sessionId.indexOf('_') + 1);
  }

  /** The {@code session_thread_id} a payload carries, or null. */
  public static String tag(String payload) {
    if (!payload.contains(MARK)) {
      return null; // most events: no parse
    }
    // Read as tokens, not as a tree: streams and folds ask it of every event of a multi-agent
    // session. The whole payload is still read, so that a corrupt one stays untagged.
    try (JsonParser p = Json.mapper().getFactory().createParser(payload)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String tag = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        if (p.nextToken() == JsonToken.VALUE_STRING && name.equals(FIELD)) {
          tag = p.getText();
        }
        p.skipChildren();
      }
      return p.currentToken() == JsonToken.END_OBJECT ? tag : null;
    } catch (IOException unreadable) {
      return null; // a corrupt row is the primary thread's, which reports it
    }
  }

  /**
   * The child thread whose own stream shows the event, or null for the primary thread's: the tag,
   * except on lifecycle events, which the primary stream carries.
   */
  public static String owner(String type, String payload) {
    return LIFECYCLE.contains(type) ? null : tag(payload);
  }

  /** Whether the session (primary) stream shows {@code e}. */
  public static boolean onSession(StoredEvent e) {
    String owner = owner(e.type(), e.payload());
    return owner == null || e.type().startsWith("user.") || crossPosted(e.type(), e.payload());
  }

  /**
   * Whether the stream of thread {@code threadId} of {@code sessionId} shows {@code e}: the primary
   * thread's is the session stream.
   */
  public static boolean onThread(StoredEvent e, String sessionId, String threadId) {
    if (threadId.equals(primaryId(sessionId))) {
      return onSession(e);
    }
    return threadId.equals(owner(e.type(), e.payload()));
  }

  /** A child's call that waits on the client: a custom tool, or a tool whose permission asks. */
  static boolean crossPosted(String type, String payload) {
    return switch (type) {
      case "agent.custom_tool_use" -> true;
      case "agent.tool_use", "agent.mcp_tool_use" ->
          payload.contains("\"evaluated_permission\":\"ask\"");
      default -> false;
    };
  }

  /** {@code payload} with {@code session_thread_id} set to {@code threadId} (added last). */
  public static String withTag(String payload, String threadId) {
    if (payload.contains(MARK)) {
      return payload;
    }
    String body = payload.substring(0, payload.length() - 1).trim();
    return body + (body.equals("{") ? "" : ",") + MARK + ":\"" + threadId + "\"}";
  }
}
