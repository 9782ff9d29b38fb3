package dev.agentry.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.core.Session;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The body this process last wrote for each recently written session, with the session it was
 * written from. A harness step rewrites its session (usage, status) in the step's commit, which
 * reads back the row the previous commit wrote: when the text read is the text written, the session
 * written is taken instead of parsing it again (about half a millisecond of the writer's time per
 * step for a body that carries its agent). Matched on the whole text, a remembered body never
 * stands in for a row someone else changed since.
 *
 * <p>The agent's JSON is kept with the body: the next rewrite of the same agent object takes it
 * instead of serializing the agent again ({@link SessionText}).
 *
 * <p>The session taken may keep instants finer than the stored text (the written value, not read
 * back), as the record a rewrite returns always has; serialized again it gives the same text.
 */
final class SessionBodies {
  private static final int MAX = 1024;

  private record Written(String body, Session session, SessionText.AgentText agent) {}

  private final Map<String, Written> byId =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Written> eldest) {
          return size() > MAX;
        }
      };

  /** {@code session}'s body, remembered for the session's next {@link #read}. */
  String write(Session session) {
    if (session.agent() == null) {
      return Json.write(session);
    }
    Written last;
    synchronized (byId) {
      last = byId.get(session.id());
    }
    // A step's rewrite keeps the agent object: its JSON is taken from the last body, not rebuilt
    SessionText.AgentText agent =
        last != null && last.agent().agent() == session.agent()
            ? last.agent()
            : SessionText.AgentText.of(session.agent());
    String body = SessionText.write(session, agent);
    synchronized (byId) {
      byId.put(session.id(), new Written(body, session, agent));
    }
    return body;
  }

  /**
   * The resources the stored {@code body} of session {@code id} holds: the remembered session's
   * when this process wrote that text last, else read from the text (and nothing else of it bound).
   */
  List<JsonNode> resources(String id, String body) {
    Written w;
    synchronized (byId) {
      w = byId.get(id);
    }
    if (w != null && w.body().equals(body)) {
      return w.session().resources();
    }
    List<JsonNode> read = Json.read(body, ResourcesDoc.class).resources();
    return read == null ? List.of() : read;
  }

  /** The one field of a session body {@link #resources} needs; Jackson skips the rest. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record ResourcesDoc(List<JsonNode> resources) {}

  /** The session the stored {@code body} of session {@code id} holds. */
  Session read(String id, String body) {
    Written w;
    synchronized (byId) {
      w = byId.get(id);
    }
    return w != null && w.body().equals(body) ? w.session() : Json.read(body, Session.class);
  }
}
