package dev.agentry.harness;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.EventDraft;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.ModelStreamListener;
import dev.agentry.core.PreviewSink;

/**
 * Turns one response's stream into live previews. The ids of the {@code agent.message} and {@code
 * agent.thinking} events are chosen before the request, so a preview and the event that is
 * persisted afterwards carry the same id, and a client can reconcile them.
 */
final class Previews implements ModelStreamListener {
  private final String sessionId;
  private final PreviewSink sink;
  private final String messageId = Ids.next(IdKind.EVENT);
  private final String thinkingId = Ids.next(IdKind.EVENT);
  private boolean messageStarted;
  private boolean thinkingStarted;

  Previews(String sessionId, PreviewSink sink) {
    this.sessionId = sessionId;
    this.sink = sink;
  }

  @Override
  public void onTextDelta(int index, String text) {
    if (!messageStarted) {
      messageStarted = true;
      start("agent.message", messageId);
    }
    delta("agent.message", messageId, index, text);
  }

  @Override
  public void onThinkingDelta(int index, String thinking) {
    if (!thinkingStarted) {
      thinkingStarted = true;
      start("agent.thinking", thinkingId);
    }
    delta("agent.thinking", thinkingId, index, thinking);
  }

  /**
   * The draft with the id its previews used, for {@code agent.message} and {@code agent.thinking}.
   */
  EventDraft persisted(EventDraft draft) {
    String id =
        switch (draft.type()) {
          case "agent.message" -> messageId;
          case "agent.thinking" -> thinkingId;
          default -> draft.id();
        };
    return new EventDraft(id, draft.type(), draft.payload(), draft.processedAt());
  }

  private void start(String type, String id) {
    ObjectNode e = Json.mapper().createObjectNode().put("type", "event_start");
    e.putObject("event").put("type", type).put("id", id);
    sink.publish(sessionId, type, e.toString());
  }

  private void delta(String type, String id, int index, String text) {
    ObjectNode e = Json.mapper().createObjectNode().put("type", "event_delta").put("event_id", id);
    ObjectNode delta = e.putObject("delta").put("type", "content_delta").put("index", index);
    delta.putObject("content").put("type", "text").put("text", text);
    sink.publish(sessionId, type, e.toString());
  }
}
