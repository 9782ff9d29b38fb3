package dev.agentry.core;

import java.util.List;

/**
 * One turn of the conversation sent to a model: {@code role} is {@code user} or {@code assistant}.
 */
public record ModelMessage(String role, List<ContentBlock> content) {
  public ModelMessage {
    if (!role.equals("user") && !role.equals("assistant")) {
      throw new IllegalArgumentException("role must be user or assistant");
    }
    content = List.copyOf(content);
  }

  public static ModelMessage user(List<ContentBlock> content) {
    return new ModelMessage("user", content);
  }

  public static ModelMessage assistant(List<ContentBlock> content) {
    return new ModelMessage("assistant", content);
  }
}
