package dev.agentry.core;

import com.fasterxml.jackson.databind.JsonNode;

/** Runs a built-in tool for a session: {@code execute(name, input) → result}. */
public interface ToolExecutor {

  /**
   * Runs tool {@code name} with {@code input}. Bad input and tool failures come back as an error
   * outcome for the model, never as an exception.
   */
  ToolOutcome execute(String sessionId, String name, JsonNode input);
}
