package dev.agentry.server;

import static dev.agentry.harness.UserEvent.CUSTOM_TOOL_RESULT;
import static dev.agentry.harness.UserEvent.DEFINE_OUTCOME;
import static dev.agentry.harness.UserEvent.INTERRUPT;
import static dev.agentry.harness.UserEvent.MESSAGE;
import static dev.agentry.harness.UserEvent.SYSTEM_MESSAGE;
import static dev.agentry.harness.UserEvent.TOOL_CONFIRMATION;
import static dev.agentry.harness.UserEvent.TOOL_RESULT;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.harness.UserEvent;
import java.util.List;

/**
 * Validates the events a client sends ({@code POST /v1/sessions/{id}/events}) and normalises each
 * to the payload that is stored: the known fields only, content blocks checked by type.
 */
final class UserEventParser {
  static final List<String> TYPES =
      List.of(
          MESSAGE,
          INTERRUPT,
          TOOL_CONFIRMATION,
          CUSTOM_TOOL_RESULT,
          TOOL_RESULT,
          DEFINE_OUTCOME,
          SYSTEM_MESSAGE);

  private UserEventParser() {}

  /** A validated event: its type, its stored payload, and whether it is processed on receipt. */
  static UserEvent parse(JsonNode node, String path) {
    String type = Fields.type(node, path, TYPES);
    ObjectNode out = Json.mapper().createObjectNode();
    switch (type) {
      case MESSAGE -> out.set("content", content(node, path, true));
      case INTERRUPT -> copyOptionalString(node, path, "session_thread_id", out);
      case TOOL_CONFIRMATION -> {
        out.put("tool_use_id", Fields.requiredString(node, path, "tool_use_id", 1, 256));
        String result = Fields.requiredString(node, path, "result", 1, 16);
        out.put("result", Fields.oneOf(result, path + ".result", List.of("allow", "deny")));
        String deny = Fields.optionalString(node, path, "deny_message", 0, 10_000);
        if (deny != null) {
          if (!result.equals("deny")) {
            throw ApiError.invalid(path + ".deny_message: is allowed only with result \"deny\"");
          }
          out.put("deny_message", deny);
        }
        copyOptionalString(node, path, "session_thread_id", out);
      }
      case CUSTOM_TOOL_RESULT, TOOL_RESULT -> {
        String idField = type.equals(TOOL_RESULT) ? "tool_use_id" : "custom_tool_use_id";
        out.put(idField, Fields.requiredString(node, path, idField, 1, 256));
        out.set(
            "content",
            Fields.isNullOrAbsent(node, "content")
                ? Json.mapper().createArrayNode()
                : content(node, path, false));
        out.put("is_error", Fields.optionalBoolean(node, path, "is_error", false));
        copyOptionalString(node, path, "session_thread_id", out);
      }
      case DEFINE_OUTCOME -> defineOutcome(node, path, out);
      default -> {
        ArrayNode content = content(node, path, true);
        for (int i = 0; i < content.size(); i++) {
          if (!"text".equals(content.get(i).path("type").asText())) {
            throw ApiError.invalid(path + ".content[" + i + "].type: must be \"text\"");
          }
        }
        out.set("content", content);
      }
    }
    return new UserEvent(
        type,
        out,
        type.equals(CUSTOM_TOOL_RESULT) || type.equals(TOOL_RESULT) || type.equals(DEFINE_OUTCOME));
  }

  private static void defineOutcome(JsonNode node, String path, ObjectNode out) {
    out.put("outcome_id", Ids.next(IdKind.OUTCOME));
    out.put("description", Fields.requiredString(node, path, "description", 1, 10_000));
    String rp = path + ".rubric";
    if (Fields.isNullOrAbsent(node, "rubric")) {
      throw ApiError.invalid(rp + ": is required");
    }
    JsonNode rubric = node.get("rubric");
    ObjectNode r = out.putObject("rubric");
    if (Fields.type(rubric, rp, List.of("text", "file")).equals("text")) {
      r.put("type", "text")
          .put("content", Fields.requiredString(rubric, rp, "content", 1, 262_144));
    } else {
      r.put("type", "file").put("file_id", Fields.requiredString(rubric, rp, "file_id", 1, 256));
    }
    Integer max = Fields.optionalInt(node, path, "max_iterations", 1, 20);
    out.put("max_iterations", max == null ? 3 : max);
  }

  private static void copyOptionalString(JsonNode node, String path, String field, ObjectNode out) {
    String v = Fields.optionalString(node, path, field, 1, 256);
    if (v != null) {
      out.put(field, v);
    }
  }

  private static ArrayNode content(JsonNode node, String path, boolean required) {
    String p = path + ".content";
    if (Fields.isNullOrAbsent(node, "content")) {
      throw ApiError.invalid(p + ": is required");
    }
    List<JsonNode> blocks = Fields.array(node.get("content"), p, 1000, UserEventParser::block);
    if (required && blocks.isEmpty()) {
      throw ApiError.invalid(p + ": must not be empty");
    }
    ArrayNode out = Json.mapper().createArrayNode();
    blocks.forEach(out::add);
    return out;
  }

  private static JsonNode block(JsonNode node, String path) {
    String type = Fields.type(node, path, List.of("text", "image", "document", "search_result"));
    ObjectNode b = Json.mapper().createObjectNode().put("type", type);
    switch (type) {
      case "text" -> b.put("text", Fields.requiredString(node, path, "text", 0, Integer.MAX_VALUE));
      case "image" -> b.set("source", source(node, path, false));
      case "document" -> {
        b.set("source", source(node, path, true));
        copyOptionalText(node, path, "title", b);
        copyOptionalText(node, path, "context", b);
      }
      default -> {
        b.put("source", Fields.requiredString(node, path, "source", 1, 4096));
        b.put("title", Fields.requiredString(node, path, "title", 0, 4096));
        List<JsonNode> inner =
            Fields.array(
                node.path("content"),
                path + ".content",
                1000,
                (n, p) -> {
                  Fields.type(n, p, List.of("text"));
                  return Json.mapper()
                      .createObjectNode()
                      .put("type", "text")
                      .put("text", Fields.requiredString(n, p, "text", 0, Integer.MAX_VALUE));
                });
        b.putArray("content").addAll(inner);
        if (node.has("citations")) {
          b.set("citations", Fields.object(node.get("citations"), path + ".citations").deepCopy());
        }
      }
    }
    return b;
  }

  private static void copyOptionalText(JsonNode node, String path, String field, ObjectNode out) {
    String v = Fields.optionalString(node, path, field, 0, 10_000);
    if (v != null) {
      out.put(field, v);
    }
  }

  private static JsonNode source(JsonNode block, String path, boolean document) {
    String p = path + ".source";
    if (Fields.isNullOrAbsent(block, "source")) {
      throw ApiError.invalid(p + ": is required");
    }
    JsonNode s = block.get("source");
    List<String> kinds =
        document ? List.of("base64", "url", "file", "text") : List.of("base64", "url", "file");
    ObjectNode out = Json.mapper().createObjectNode();
    switch (Fields.type(s, p, kinds)) {
      case "base64" -> {
        out.put("type", "base64");
        out.put("media_type", Fields.requiredString(s, p, "media_type", 1, 128));
        out.put("data", Fields.requiredString(s, p, "data", 1, Integer.MAX_VALUE));
      }
      case "url" -> {
        String url = Fields.requiredString(s, p, "url", 1, 8192);
        if (!url.startsWith("https://") && !url.startsWith("http://")) {
          throw ApiError.invalid(p + ".url: must be an http or https URL");
        }
        out.put("type", "url").put("url", url);
      }
      case "file" ->
          out.put("type", "file").put("file_id", Fields.requiredString(s, p, "file_id", 1, 256));
      default -> {
        String media = Fields.requiredString(s, p, "media_type", 1, 128);
        if (!media.equals("text/plain")) {
          throw ApiError.invalid(p + ".media_type: must be \"text/plain\" for a text source");
        }
        out.put("type", "text").put("media_type", media);
        out.put("data", Fields.requiredString(s, p, "data", 0, Integer.MAX_VALUE));
      }
    }
    return out;
  }
}
