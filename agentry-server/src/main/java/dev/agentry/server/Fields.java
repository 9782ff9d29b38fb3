package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * Reads typed fields out of a request body, failing with a 400 that names the field (as a path such
 * as {@code tools[2].configs[0].name}) and the rule it broke. Absent and {@code null} are the same
 * for optional fields unless a caller checks {@link #isPresent}.
 */
final class Fields {
  static final Pattern TOOL_NAME = Pattern.compile("[A-Za-z0-9_-]{1,128}");

  private Fields() {}

  static ObjectNode object(JsonNode node, String path) {
    if (node == null || !node.isObject()) {
      throw ApiError.invalid(path + ": must be an object");
    }
    return (ObjectNode) node;
  }

  static String path(String parent, String field) {
    return parent.isEmpty() ? field : parent + "." + field;
  }

  /** True when the field is in the object, even as {@code null}. */
  static boolean isPresent(JsonNode obj, String field) {
    return obj.has(field);
  }

  static boolean isNullOrAbsent(JsonNode obj, String field) {
    return !obj.has(field) || obj.get(field).isNull();
  }

  static String requiredString(JsonNode obj, String parent, String field, int min, int max) {
    String p = path(parent, field);
    if (isNullOrAbsent(obj, field)) {
      throw ApiError.invalid(p + ": is required");
    }
    return checkString(obj.get(field), p, min, max);
  }

  /** The string, or null when absent or null. */
  static String optionalString(JsonNode obj, String parent, String field, int min, int max) {
    if (isNullOrAbsent(obj, field)) {
      return null;
    }
    return checkString(obj.get(field), path(parent, field), min, max);
  }

  static String checkString(JsonNode value, String path, int min, int max) {
    if (!value.isTextual()) {
      throw ApiError.invalid(path + ": must be a string");
    }
    String s = value.asText();
    int length = s.codePointCount(0, s.length());
    if (length < min) {
      throw ApiError.invalid(
          path + (min == 1 ? ": must not be empty" : ": must be at least " + min + " characters"));
    }
    if (length > max) {
      throw ApiError.invalid(path + ": must be at most " + max + " characters");
    }
    return s;
  }

  static boolean optionalBoolean(JsonNode obj, String parent, String field, boolean fallback) {
    if (isNullOrAbsent(obj, field)) {
      return fallback;
    }
    JsonNode v = obj.get(field);
    if (!v.isBoolean()) {
      throw ApiError.invalid(path(parent, field) + ": must be a boolean");
    }
    return v.asBoolean();
  }

  /** The integer, or null when absent or null. */
  static Integer optionalInt(JsonNode obj, String parent, String field, long min, long max) {
    if (isNullOrAbsent(obj, field)) {
      return null;
    }
    JsonNode v = obj.get(field);
    String p = path(parent, field);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw ApiError.invalid(p + ": must be an integer");
    }
    long n = v.asLong();
    if (n < min || n > max) {
      throw ApiError.invalid(p + ": must be between " + min + " and " + max);
    }
    return (int) n;
  }

  /** Each element of an optional array, read by {@code item(element, elementPath)}. */
  static <T> List<T> optionalArray(
      JsonNode obj, String parent, String field, int max, BiFunction<JsonNode, String, T> item) {
    if (isNullOrAbsent(obj, field)) {
      return List.of();
    }
    return array(obj.get(field), path(parent, field), max, item);
  }

  static <T> List<T> array(
      JsonNode value, String path, int max, BiFunction<JsonNode, String, T> item) {
    if (!value.isArray()) {
      throw ApiError.invalid(path + ": must be an array");
    }
    if (value.size() > max) {
      throw ApiError.invalid(path + ": must have at most " + max + " items");
    }
    List<T> out = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      out.add(item.apply(value.get(i), path + "[" + i + "]"));
    }
    return out;
  }

  static List<String> stringArray(JsonNode obj, String parent, String field, int max, int maxLen) {
    return optionalArray(obj, parent, field, max, (v, p) -> checkString(v, p, 1, maxLen));
  }

  /** One of {@code allowed}, named in the error when it is not. */
  static String oneOf(String value, String path, List<String> allowed) {
    if (!allowed.contains(value)) {
      throw ApiError.invalid(path + ": must be one of " + String.join(", ", allowed));
    }
    return value;
  }

  /** The {@code type} discriminator of a union member. */
  static String type(JsonNode obj, String path, List<String> allowed) {
    object(obj, path);
    String t = requiredString(obj, path, "type", 1, 128);
    return oneOf(t, path(path, "type"), allowed);
  }

  /** Metadata as given at creation: at most 16 pairs, keys up to 64 and values up to 512. */
  static Map<String, String> metadata(JsonNode obj, String parent) {
    if (isNullOrAbsent(obj, "metadata")) {
      return Map.of();
    }
    return patchMetadata(Map.of(), obj.get("metadata"), path(parent, "metadata"), false);
  }

  /**
   * Applies a metadata patch: a string upserts, {@code null} deletes (and {@code ""} too where
   * {@code emptyDeletes}), an omitted key is kept.
   */
  static Map<String, String> patchMetadata(
      Map<String, String> current, JsonNode patch, String path, boolean emptyDeletes) {
    if (!patch.isObject()) {
      throw ApiError.invalid(path + ": must be an object of string values", "invalid_metadata");
    }
    Map<String, String> out = new LinkedHashMap<>(current);
    var it = patch.properties().iterator();
    while (it.hasNext()) {
      var e = it.next();
      String key = e.getKey();
      JsonNode v = e.getValue();
      if (key.isEmpty() || key.length() > 64) {
        throw ApiError.invalid(
            path + ": keys must be 1 to 64 characters, got '" + abbreviate(key) + "'",
            "invalid_metadata");
      }
      if (v.isNull() || (emptyDeletes && v.isTextual() && v.asText().isEmpty())) {
        out.remove(key);
      } else if (!v.isTextual()) {
        throw ApiError.invalid(path + "." + key + ": must be a string", "invalid_metadata");
      } else if (v.asText().length() > 512) {
        throw ApiError.invalid(
            path + "." + key + ": must be at most 512 characters", "invalid_metadata");
      } else {
        out.put(key, v.asText());
      }
    }
    if (out.size() > 16) {
      throw ApiError.invalid(path + ": must have at most 16 pairs", "invalid_metadata");
    }
    return out;
  }

  private static String abbreviate(String s) {
    return s.length() <= 70 ? s : s.substring(0, 67) + "...";
  }
}
