package dev.agentry.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.agentry.core.Agent;
import dev.agentry.core.Json;
import dev.agentry.core.Session;
import java.io.IOException;

/**
 * A session's stored text with its agent's JSON given, not serialized again: a harness step
 * rewrites the session (usage, status) in each commit, and the agent it carries (system prompt,
 * tools and their schemas) is most of the text and never changes in a step. The text is the same as
 * {@link Json#write} gives; the agent's is used only for the very agent object it was written from.
 */
final class SessionText {
  private static final String KNOWN = "agentry.session.agent";
  private static final ObjectMapper MAPPER =
      Json.mapper()
          .copy()
          .registerModule(new SimpleModule().addSerializer(Agent.class, new Known()));

  /** An agent and its JSON as {@link Json#write} gives it. */
  record AgentText(Agent agent, String json) {
    static AgentText of(Agent agent) {
      return new AgentText(agent, Json.write(agent));
    }
  }

  private SessionText() {}

  /** {@code session}'s text, its agent's taken from {@code known} if that is its agent object. */
  static String write(Session session, AgentText known) {
    try {
      return MAPPER.writer().withAttribute(KNOWN, known).writeValueAsString(session);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise Session", e);
    }
  }

  private static final class Known extends JsonSerializer<Agent> {
    @Override
    public void serialize(Agent agent, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      gen.writeRawValue(
          provider.getAttribute(KNOWN) instanceof AgentText t && t.agent() == agent
              ? t.json()
              : Json.write(agent));
    }
  }
}
