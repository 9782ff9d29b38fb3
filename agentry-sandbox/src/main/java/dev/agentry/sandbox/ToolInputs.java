package dev.agentry.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Checks a tool's JSON input field by field. A bad field throws {@link Invalid} with a message that
 * names it, which the tool executor turns into an error outcome for the model.
 */
final class ToolInputs {
  private ToolInputs() {}

  /** An input the model sent is not what the tool's schema asks for. */
  static final class Invalid extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  static JsonNode object(JsonNode input) {
    if (input == null || !input.isObject()) {
      throw new Invalid("tool input must be a JSON object");
    }
    return input;
  }

  static String requiredString(JsonNode input, String field) {
    return optionalString(input, field)
        .orElseThrow(() -> new Invalid("missing required field '" + field + "' (a string)"));
  }

  static Optional<String> optionalString(JsonNode input, String field) {
    JsonNode v = input.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw new Invalid("field '" + field + "' must be a string, got " + kind(v));
    }
    return Optional.of(v.textValue());
  }

  static boolean optionalBoolean(JsonNode input, String field) {
    JsonNode v = input.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new Invalid("field '" + field + "' must be a boolean, got " + kind(v));
    }
    return v.booleanValue();
  }

  static Optional<Long> optionalPositiveLong(JsonNode input, String field) {
    JsonNode v = input.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() <= 0) {
      throw new Invalid("field '" + field + "' must be a positive integer, got " + v);
    }
    return Optional.of(v.longValue());
  }

  /** {@code view_range}: {@code [start, end]}, 1-based inclusive, {@code end = -1} to the end. */
  static Optional<int[]> optionalViewRange(JsonNode input, String field) {
    JsonNode v = input.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isArray() || v.size() != 2 || !v.get(0).isInt() || !v.get(1).isInt()) {
      throw new Invalid("field '" + field + "' must be an array of two integers [start, end]");
    }
    int start = v.get(0).intValue();
    int end = v.get(1).intValue();
    if (start < 1) {
      throw new Invalid("field '" + field + "': start must be 1 or more (lines count from 1)");
    }
    if (end != -1 && end < start) {
      throw new Invalid("field '" + field + "': end must be -1 (to the end) or at least start");
    }
    return Optional.of(new int[] {start, end});
  }

  private static String kind(JsonNode v) {
    return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }
}
