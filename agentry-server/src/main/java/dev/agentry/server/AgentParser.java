package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.McpServer;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelConfig;
import dev.agentry.core.ToolSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns agent create and update bodies into a validated {@link AgentSpec}. An update applies only
 * the fields present in the body (arrays and {@code model} replace whole; {@code null} or {@code
 * []} clears an array); the cross-field rules are then checked on the result.
 */
final class AgentParser {
  static final int MAX_TOOLS = 128;
  static final int MAX_MCP_SERVERS = 20;
  static final int MAX_SKILLS = 20;

  /** The effort a model runs at when the agent names none, as the hosted API reports it. */
  static final ModelConfig.Effort DEFAULT_EFFORT = new ModelConfig.Effort("high");

  private static final List<String> EFFORTS = List.of("low", "medium", "high", "xhigh", "max");

  private AgentParser() {}

  static AgentSpec create(JsonNode body, ModelClient models) {
    Fields.object(body, "body");
    AgentSpec spec =
        new AgentSpec(
            Fields.requiredString(body, "", "name", 1, 256),
            Fields.optionalString(body, "", "description", 0, 2048),
            Fields.optionalString(body, "", "system", 0, 100_000),
            servable(model(required(body, "model"), "model"), body.get("model"), models),
            tools(body),
            mcpServers(body),
            skills(body),
            Fields.metadata(body, ""),
            RosterParser.parse(body.get("multiagent"), null),
            nullable(body, "execution_identity"));
    return checked(spec);
  }

  static AgentSpec update(JsonNode body, AgentSpec current, ModelClient models) {
    String name = current.name();
    if (body.has("name")) {
      name = Fields.requiredString(body, "", "name", 1, 256);
    }
    AgentSpec spec =
        new AgentSpec(
            name,
            body.has("description")
                ? Fields.optionalString(body, "", "description", 0, 2048)
                : current.description(),
            body.has("system")
                ? Fields.optionalString(body, "", "system", 0, 100_000)
                : current.system(),
            Fields.isNullOrAbsent(body, "model")
                ? current.model()
                : servable(model(body.get("model"), "model"), body.get("model"), models),
            body.has("tools") ? tools(body) : current.tools(),
            body.has("mcp_servers") ? mcpServers(body) : current.mcpServers(),
            body.has("skills") ? skills(body) : current.skills(),
            body.has("metadata") && !body.get("metadata").isNull()
                ? Fields.patchMetadata(current.metadata(), body.get("metadata"), "metadata", false)
                : current.metadata(),
            body.has("multiagent")
                ? RosterParser.parse(body.get("multiagent"), current.multiagent())
                : current.multiagent(),
            body.has("execution_identity")
                ? nullable(body, "execution_identity")
                : current.executionIdentity());
    return checked(spec);
  }

  private static JsonNode required(JsonNode body, String field) {
    if (Fields.isNullOrAbsent(body, field)) {
      throw ApiError.invalid(field + ": is required");
    }
    return body.get(field);
  }

  private static JsonNode nullable(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    Fields.object(v, field);
    return v.deepCopy();
  }

  /**
   * {@code model} if a configured provider can serve its id; else a 400 that names the accepted
   * forms or the missing key. Checked only where the body sets the model, so an agent saved before
   * a key went away can still be edited.
   */
  private static ModelConfig servable(ModelConfig model, JsonNode node, ModelClient models) {
    return servable(model, node, models, "model");
  }

  /** {@link #servable} for a {@code model} field at {@code field} (e.g. {@code agent.model}). */
  static ModelConfig servable(ModelConfig model, JsonNode node, ModelClient models, String field) {
    String path = node.isTextual() ? field : field + ".id";
    models
        .refusal(model.id())
        .ifPresent(
            why -> {
              throw ApiError.invalid(path + ": " + why);
            });
    return model;
  }

  static ModelConfig model(JsonNode node, String path) {
    if (node.isTextual()) {
      return new ModelConfig(Fields.checkString(node, path, 1, 256), DEFAULT_EFFORT, null, null);
    }
    Fields.object(node, path);
    String id = Fields.requiredString(node, path, "id", 1, 256);
    ModelConfig.Effort effort = DEFAULT_EFFORT;
    JsonNode e = node.get("effort");
    if (e != null && !e.isNull()) {
      String level =
          e.isTextual() ? e.asText() : Fields.requiredString(e, path + ".effort", "type", 1, 16);
      effort = new ModelConfig.Effort(Fields.oneOf(level, path + ".effort", EFFORTS));
    }
    String speed = Fields.optionalString(node, path, "speed", 1, 16);
    if (speed != null) {
      Fields.oneOf(speed, path + ".speed", List.of("standard", "fast"));
    }
    return new ModelConfig(
        id, effort, Fields.optionalString(node, path, "inference_geo", 1, 64), speed);
  }

  private static List<ToolSpec> tools(JsonNode body) {
    return tools(body, "");
  }

  /** {@code tools} of {@code body}, whose path in the request is {@code parent}. */
  static List<ToolSpec> tools(JsonNode body, String parent) {
    return Fields.optionalArray(body, parent, "tools", MAX_TOOLS, ToolParser::tool);
  }

  private static List<McpServer> mcpServers(JsonNode body) {
    return mcpServers(body, "");
  }

  static List<McpServer> mcpServers(JsonNode body, String parent) {
    return Fields.optionalArray(
        body,
        parent,
        "mcp_servers",
        MAX_MCP_SERVERS,
        (node, path) -> {
          Fields.type(node, path, List.of("url"));
          String name = Fields.requiredString(node, path, "name", 1, 128);
          if (!Fields.TOOL_NAME.matcher(name).matches()) {
            throw ApiError.invalid(path + ".name: must match [A-Za-z0-9_-]{1,128}");
          }
          String url = Fields.requiredString(node, path, "url", 1, 2048);
          if (!url.startsWith("https://") && !url.startsWith("http://")) {
            throw ApiError.invalid(path + ".url: must be an http or https URL");
          }
          return new McpServer("url", name, url);
        });
  }

  private static List<JsonNode> skills(JsonNode body) {
    return skills(body, "");
  }

  static List<JsonNode> skills(JsonNode body, String parent) {
    List<JsonNode> skills =
        Fields.optionalArray(body, parent, "skills", MAX_SKILLS, AgentParser::skill);
    String prefix = parent.isEmpty() ? "" : parent + ".";
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < skills.size(); i++) {
      if (!ids.add(skills.get(i).path("skill_id").asText())) {
        throw ApiError.invalid(prefix + "skills[" + i + "].skill_id: the skill is already listed");
      }
    }
    return skills;
  }

  /**
   * A custom skill reference, its {@code version} made a string ({@code latest} when absent).
   * Anthropic's prebuilt skills live on Anthropic's servers only: they are refused with the way
   * out. Whether the skill exists is checked by {@link SkillRefs} at save time.
   */
  private static JsonNode skill(JsonNode node, String path) {
    Fields.object(node, path);
    String type = Fields.type(node, path, List.of("anthropic", "custom"));
    String id = Fields.requiredString(node, path, "skill_id", 1, 256);
    if (type.equals("anthropic")) {
      throw ApiError.invalid(
          path
              + ": Anthropic's prebuilt skill '"
              + id
              + "' cannot run on a self-hosted server; upload the skill as a custom one"
              + " (POST /v1/skills with its files) and reference it as {\"type\":\"custom\","
              + "\"skill_id\":\"skill_…\"}",
          "unsupported_feature");
    }
    node.fieldNames()
        .forEachRemaining(
            f -> {
              if (!List.of("type", "skill_id", "version").contains(f)) {
                throw ApiError.invalid(
                    path + "." + f + ": is not a field of a skill (type, skill_id, version)",
                    "unsupported_feature");
              }
            });
    var copy = Fields.object(node, path).deepCopy();
    JsonNode version = copy.get("version");
    String v;
    if (version == null || version.isNull()) {
      v = SkillContent.LATEST;
    } else if (version.isIntegralNumber() || version.isTextual()) {
      v = version.asText();
    } else {
      v = "";
    }
    if (!v.equals(SkillContent.LATEST) && !v.matches("[1-9][0-9]{0,8}")) {
      throw ApiError.invalid(path + ".version: must be \"latest\" or a version number");
    }
    copy.put("version", v);
    return copy;
  }

  /** Rules that span fields: one toolset, unique names, MCP servers and toolsets that match. */
  private static AgentSpec checked(AgentSpec spec) {
    return checked(spec, "");
  }

  /** {@link #checked} for an agent at {@code parent} in the request (e.g. {@code agent}). */
  static AgentSpec checked(AgentSpec spec, String parent) {
    String at = parent.isEmpty() ? "" : parent + ".";
    Set<String> servers = new HashSet<>();
    for (int i = 0; i < spec.mcpServers().size(); i++) {
      if (!servers.add(spec.mcpServers().get(i).name())) {
        throw ApiError.invalid(at + "mcp_servers[" + i + "].name: must be unique");
      }
    }
    Set<String> referenced = new HashSet<>();
    Set<String> customNames = new HashSet<>();
    boolean toolset = spec.tools().stream().anyMatch(ToolSpec.AgentToolset.class::isInstance);
    boolean seenToolset = false;
    for (int i = 0; i < spec.tools().size(); i++) {
      String path = at + "tools[" + i + "]";
      switch (spec.tools().get(i)) {
        case ToolSpec.AgentToolset t -> {
          if (seenToolset) {
            throw ApiError.invalid(path + ": an agent may have only one " + ToolSpec.AGENT_TOOLSET);
          }
          seenToolset = true;
        }
        case ToolSpec.McpToolset t -> {
          if (!servers.contains(t.mcpServerName())) {
            throw ApiError.invalid(
                path + ".mcp_server_name: '" + t.mcpServerName() + "' is not in mcp_servers");
          }
          if (!referenced.add(t.mcpServerName())) {
            throw ApiError.invalid(path + ".mcp_server_name: only one mcp_toolset per server");
          }
        }
        case ToolSpec.CustomTool t -> {
          if (!customNames.add(t.name())
              || (toolset && ToolSpec.BUILT_IN_TOOLS.contains(t.name()))) {
            throw ApiError.invalid(path + ".name: '" + t.name() + "' is already a tool name");
          }
        }
      }
    }
    for (int i = 0; i < spec.mcpServers().size(); i++) {
      if (!referenced.contains(spec.mcpServers().get(i).name())) {
        throw ApiError.invalid(
            at
                + "mcp_servers["
                + i
                + "]: '"
                + spec.mcpServers().get(i).name()
                + "' is not referenced by any mcp_toolset");
      }
    }
    return spec;
  }
}
