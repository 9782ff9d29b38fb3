package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Json;
import dev.agentry.core.Roster;
import java.util.List;

/**
 * The shape of an agent's {@code multiagent}, checked without the store: the two roster forms,
 * their entry forms, the entry count and the parts Agentry does not run. The result is the stored
 * form, in which every entry is {@code {"type":"agent","id",version?}} or {@code {"type":"self"}}
 * and the {@code multiagent_20261001} form has all three of its sections. {@link Rosters} then
 * resolves the entries against the store.
 */
final class RosterParser {
  static final int MAX_ENTRIES = 20;
  private static final String FIELD = "multiagent";

  private RosterParser() {}

  /**
   * {@code node} (the body's {@code multiagent}) in its stored form; {@code current} is the stored
   * value it updates, or null. The newer form merges section by section on update, as the hosted
   * API does; the coordinator form replaces whole.
   */
  static JsonNode parse(JsonNode node, JsonNode current) {
    if (node == null || node.isNull()) {
      return null;
    }
    String type = Fields.type(node, FIELD, List.of(Roster.COORDINATOR, Roster.MULTIAGENT_20261001));
    return type.equals(Roster.COORDINATOR) ? coordinator(node) : newer(node, current);
  }

  private static ObjectNode coordinator(JsonNode node) {
    known(node, FIELD, List.of("type", "agents"));
    JsonNode agents = node.get("agents");
    if (agents == null || agents.isNull()) {
      throw ApiError.invalid(FIELD + ".agents: is required");
    }
    ObjectNode out = Json.mapper().createObjectNode().put("type", Roster.COORDINATOR);
    out.set("agents", entries(agents, FIELD + ".agents", true));
    return out;
  }

  private static ObjectNode newer(JsonNode node, JsonNode current) {
    known(node, FIELD, List.of("type", "advisor", "subagents", "workflows"));
    JsonNode base =
        current != null && Roster.MULTIAGENT_20261001.equals(current.path("type").asText())
            ? current
            : null;
    ObjectNode out = Json.mapper().createObjectNode().put("type", Roster.MULTIAGENT_20261001);
    out.set("advisor", advisor(section(node, base, "advisor")));
    out.set("subagents", subagents(section(node, base, "subagents")));
    out.set("workflows", workflows(section(node, base, "workflows")));
    return out;
  }

  /** The body's section if present, else the stored one; an absent section is disabled. */
  private static JsonNode section(JsonNode node, JsonNode base, String name) {
    if (node.hasNonNull(name)) {
      return node.get(name);
    }
    return base != null && base.hasNonNull(name) ? base.get(name) : null;
  }

  private static JsonNode advisor(JsonNode advisor) {
    String path = FIELD + ".advisor";
    if (advisor == null
        || Fields.type(advisor, path, List.of("enabled", "disabled")).equals("disabled")) {
      return disabled();
    }
    throw unsupported(
        path, "the hosted advisor model is not run by Agentry; use {\"type\":\"disabled\"}");
  }

  private static JsonNode workflows(JsonNode workflows) {
    String path = FIELD + ".workflows";
    if (workflows == null
        || Fields.type(workflows, path, List.of("enabled", "disabled")).equals("disabled")) {
      return disabled();
    }
    throw unsupported(path, "workflows are not run by Agentry; use {\"type\":\"disabled\"}");
  }

  private static JsonNode subagents(JsonNode subagents) {
    String path = FIELD + ".subagents";
    if (subagents == null
        || Fields.type(subagents, path, List.of("enabled", "disabled")).equals("disabled")) {
      return disabled();
    }
    known(subagents, path, List.of("type", "inline_agents", "predefined_agents"));
    JsonNode inline = subagents.get("inline_agents");
    if (inline != null
        && !inline.isNull()
        && Fields.type(inline, path + ".inline_agents", List.of("enabled", "disabled"))
            .equals("enabled")) {
      throw unsupported(
          path + ".inline_agents",
          "agents the coordinator defines at run time are not run by Agentry; list them in"
              + " predefined_agents");
    }
    JsonNode predefined = subagents.get("predefined_agents");
    if (predefined == null || predefined.isNull()) {
      throw ApiError.invalid(path + ".predefined_agents: is required when subagents are enabled");
    }
    ObjectNode out = Json.mapper().createObjectNode().put("type", "enabled");
    out.set("inline_agents", disabled());
    out.set("predefined_agents", entries(predefined, path + ".predefined_agents", false));
    return out;
  }

  private static ArrayNode entries(JsonNode agents, String path, boolean advisorForm) {
    if (!agents.isArray()) {
      throw ApiError.invalid(path + ": must be an array");
    }
    if (agents.isEmpty() || agents.size() > MAX_ENTRIES) {
      throw ApiError.invalid(
          path + ": must have 1 to " + MAX_ENTRIES + " entries, not " + agents.size());
    }
    ArrayNode out = Json.mapper().createArrayNode();
    int selves = 0;
    for (int i = 0; i < agents.size(); i++) {
      String at = path + "[" + i + "]";
      JsonNode entry = agents.get(i);
      if (entry.isTextual()) {
        out.addObject().put("type", "agent").put("id", Fields.checkString(entry, at, 1, 128));
        continue;
      }
      List<String> types =
          advisorForm ? List.of("agent", "self", "advisor") : List.of("agent", "self");
      switch (Fields.type(entry, at, types)) {
        case "self" -> {
          known(entry, at, List.of("type"));
          if (++selves > 1) {
            throw ApiError.invalid(at + ": a roster may have at most one {\"type\":\"self\"}");
          }
          out.addObject().put("type", "self");
        }
        case "advisor" ->
            throw unsupported(
                at, "the hosted advisor model ({\"type\":\"advisor\"}) is not run by Agentry");
        default -> {
          known(entry, at, List.of("type", "id", "version"));
          ObjectNode ref =
              out.addObject()
                  .put("type", "agent")
                  .put("id", Fields.requiredString(entry, at, "id", 1, 128));
          Integer version = Fields.optionalInt(entry, at, "version", 1, Integer.MAX_VALUE);
          if (version != null) {
            ref.put("version", version);
          }
        }
      }
    }
    return out;
  }

  /** Refuses a field the form does not have rather than storing and ignoring it. */
  private static void known(JsonNode node, String path, List<String> fields) {
    node.fieldNames()
        .forEachRemaining(
            f -> {
              if (!fields.contains(f)) {
                throw unsupported(Fields.path(path, f), "is not a field Agentry supports here");
              }
            });
  }

  private static ApiError unsupported(String path, String why) {
    return ApiError.invalid(path + ": " + why, "unsupported_feature");
  }

  private static ObjectNode disabled() {
    return Json.mapper().createObjectNode().put("type", "disabled");
  }
}
