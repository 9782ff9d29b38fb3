package dev.agentry.core;

import java.time.Instant;

/**
 * The parts of a {@link Session} that deciding whether it takes new user events needs, read without
 * mapping its agent snapshot (system prompt, tools, MCP servers, skills): sending events reads this
 * on every request. {@code model} is the agent's model id; {@code environmentId}, {@code model},
 * {@code archivedAt} and {@code budget} may be null, as in the session.
 */
public record SessionHead(
    String id,
    SessionStatus status,
    String environmentId,
    String model,
    SessionUsage usage,
    Instant archivedAt,
    SessionBudget budget) {

  /** The head of a whole session. */
  public static SessionHead of(Session s) {
    String model =
        s.agent() == null || s.agent().spec() == null || s.agent().spec().model() == null
            ? null
            : s.agent().spec().model().id();
    return new SessionHead(
        s.id(), s.status(), s.environmentId(), model, s.usage(), s.archivedAt(), s.budget());
  }
}
