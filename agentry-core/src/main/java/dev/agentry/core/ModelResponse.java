package dev.agentry.core;

import java.util.List;

/**
 * A complete model answer. {@code stopReason} uses Anthropic's names ({@code end_turn}, {@code
 * tool_use}, {@code max_tokens}, {@code stop_sequence}, {@code refusal}, {@code pause_turn}); other
 * providers' reasons are mapped onto them.
 */
public record ModelResponse(List<ContentBlock> content, String stopReason, ModelUsage usage) {
  public ModelResponse {
    content = List.copyOf(content);
  }
}
