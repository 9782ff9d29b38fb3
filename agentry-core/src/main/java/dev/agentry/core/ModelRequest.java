package dev.agentry.core;

import java.util.List;

/**
 * One request to a model. {@code model} is the agent's model id ({@code claude-…}, {@code
 * openai/<model>}, {@code ollama/<model>}, {@code scripted:<path>}); {@code system} may be null.
 * {@code effort} is the agent's effort level, or null.
 */
public record ModelRequest(
    String model,
    String system,
    List<ModelMessage> messages,
    List<ToolDefinition> tools,
    int maxTokens,
    String effort) {
  public ModelRequest {
    messages = List.copyOf(messages);
    tools = List.copyOf(tools);
  }
}
