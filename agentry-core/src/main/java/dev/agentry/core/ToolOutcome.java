package dev.agentry.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * What a tool call produced, as the model will see it: text, and whether it failed; and, for a
 * failure the session's client must see too (an environment's packages that did not install), the
 * {@code error} object of a {@code session.error} journalled with the result ({@code sessionError},
 * null for none: use {@link #reportedError()}).
 */
public record ToolOutcome(String text, boolean isError, JsonNode sessionError) {
  public ToolOutcome(String text, boolean isError) {
    this(text, isError, null);
  }

  public static ToolOutcome ok(String text) {
    return new ToolOutcome(text, false);
  }

  public static ToolOutcome error(String text) {
    return new ToolOutcome(text, true);
  }

  /** A failed call that also reports {@code error} as the {@code error} of a session.error. */
  public static ToolOutcome error(String text, JsonNode error) {
    return new ToolOutcome(text, true, error);
  }

  /** The session.error's {@code error} object this outcome reports, if any. */
  public Optional<JsonNode> reportedError() {
    return Optional.ofNullable(sessionError);
  }
}
