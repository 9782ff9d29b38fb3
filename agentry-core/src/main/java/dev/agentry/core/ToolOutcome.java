package dev.agentry.core;

/** What a tool call produced, as the model will see it: text, and whether it failed. */
public record ToolOutcome(String text, boolean isError) {
  public static ToolOutcome ok(String text) {
    return new ToolOutcome(text, false);
  }

  public static ToolOutcome error(String text) {
    return new ToolOutcome(text, true);
  }
}
