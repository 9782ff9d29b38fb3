package dev.agentry.core;

/**
 * The system prompt a session's model requests carry: the agent's own, plus whatever the runtime
 * adds for the session's resources (a memory section per mounted memory store). May be null.
 */
@FunctionalInterface
public interface SystemPrompt {
  /** The agent's system prompt as written. */
  SystemPrompt AGENT = session -> session.agent().spec().system();

  String of(Session session);
}
