package dev.agentry.core;

import com.fasterxml.jackson.databind.JsonNode;

/** One block of a model message, in a provider-neutral form each model client translates. */
public sealed interface ContentBlock {

  record Text(String text) implements ContentBlock {}

  /** A tool call the model made; {@code input} is a JSON object. */
  record ToolUse(String id, String name, JsonNode input) implements ContentBlock {}

  /** The answer to a {@link ToolUse}, sent back in a user turn. */
  record ToolResult(String toolUseId, String text, boolean isError) implements ContentBlock {}

  /** Reasoning the model returned; kept so it can be passed back where a provider requires it. */
  record Thinking(String thinking, String signature) implements ContentBlock {}

  /**
   * A block passed through as the API received it (images, documents): clients that understand it
   * forward it, others describe it in text.
   */
  record Raw(JsonNode block) implements ContentBlock {}
}
