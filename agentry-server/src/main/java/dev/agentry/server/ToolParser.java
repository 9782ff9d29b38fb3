package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.DefaultToolConfig;
import dev.agentry.core.PermissionPolicy;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses one entry of an agent's {@code tools}. The built-in toolset is resolved: its {@code
 * configs} come back listing every built-in tool with concrete settings, so a client never has to
 * apply the defaults itself.
 */
final class ToolParser {
  private static final List<String> TOOL_TYPES =
      List.of(ToolSpec.AGENT_TOOLSET, "mcp_toolset", "custom");
  private static final List<String> POLICIES = List.of("always_allow", "always_ask", "auto");
  private static final Pattern HOSTNAME =
      Pattern.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9-]{1,63})*");

  private ToolParser() {}

  static ToolSpec tool(JsonNode node, String path) {
    return switch (Fields.type(node, path, TOOL_TYPES)) {
      case "mcp_toolset" -> mcpToolset(node, path);
      case "custom" -> custom(node, path);
      default -> agentToolset(node, path);
    };
  }

  private static ToolSpec agentToolset(JsonNode node, String path) {
    DefaultToolConfig defaults = defaultConfig(node, path);
    Map<String, ToolConfig> given = new LinkedHashMap<>();
    List<JsonNode> entries =
        Fields.optionalArray(node, path, "configs", ToolSpec.BUILT_IN_TOOLS.size(), (n, p) -> n);
    for (int i = 0; i < entries.size(); i++) {
      String p = path + ".configs[" + i + "]";
      ToolConfig config = config(entries.get(i), p, defaults, ToolSpec.BUILT_IN_TOOLS);
      if (given.put(config.name(), config) != null) {
        throw ApiError.invalid(p + ".name: '" + config.name() + "' is configured twice");
      }
    }
    List<ToolConfig> resolved = new ArrayList<>();
    for (String name : ToolSpec.BUILT_IN_TOOLS) {
      resolved.add(
          given.getOrDefault(
              name, ToolConfig.simple(name, defaults.enabled(), defaults.permissionPolicy())));
    }
    return new ToolSpec.AgentToolset(defaults, resolved);
  }

  private static ToolSpec mcpToolset(JsonNode node, String path) {
    String server = Fields.requiredString(node, path, "mcp_server_name", 1, 128);
    DefaultToolConfig defaults = defaultConfig(node, path);
    List<ToolConfig> configs =
        Fields.optionalArray(node, path, "configs", 512, (n, p) -> config(n, p, defaults, null));
    var names = new java.util.HashSet<String>();
    for (int i = 0; i < configs.size(); i++) {
      if (!names.add(configs.get(i).name())) {
        throw ApiError.invalid(path + ".configs[" + i + "].name: is configured twice");
      }
    }
    return new ToolSpec.McpToolset(server, defaults, configs);
  }

  private static ToolSpec custom(JsonNode node, String path) {
    String name = Fields.requiredString(node, path, "name", 1, 128);
    if (!Fields.TOOL_NAME.matcher(name).matches()) {
      throw ApiError.invalid(path + ".name: must match [A-Za-z0-9_-]{1,128}");
    }
    String description = Fields.optionalString(node, path, "description", 0, 10_000);
    if (Fields.isNullOrAbsent(node, "input_schema")) {
      throw ApiError.invalid(path + ".input_schema: is required");
    }
    JsonNode schema = Fields.object(node.get("input_schema"), path + ".input_schema");
    if (!"object".equals(schema.path("type").asText())) {
      throw ApiError.invalid(path + ".input_schema.type: must be \"object\"");
    }
    return new ToolSpec.CustomTool(name, description == null ? "" : description, schema.deepCopy());
  }

  private static DefaultToolConfig defaultConfig(JsonNode node, String path) {
    if (Fields.isNullOrAbsent(node, "default_config")) {
      return DefaultToolConfig.ALLOW_ALL;
    }
    String p = path + ".default_config";
    JsonNode d = Fields.object(node.get("default_config"), p);
    return new DefaultToolConfig(
        Fields.optionalBoolean(d, p, "enabled", true), policy(d, p, PermissionPolicy.ALWAYS_ALLOW));
  }

  private static PermissionPolicy policy(JsonNode node, String path, PermissionPolicy fallback) {
    if (Fields.isNullOrAbsent(node, "permission_policy")) {
      return fallback;
    }
    String p = path + ".permission_policy";
    return new PermissionPolicy(Fields.type(node.get("permission_policy"), p, POLICIES));
  }

  /**
   * One {@code configs} entry; {@code allowedNames} null means any tool name (MCP tools are named
   * by their server).
   */
  private static ToolConfig config(
      JsonNode node, String path, DefaultToolConfig defaults, List<String> allowedNames) {
    Fields.object(node, path);
    String name = Fields.requiredString(node, path, "name", 1, 128);
    if (allowedNames != null) {
      Fields.oneOf(name, path + ".name", allowedNames);
      String type = Fields.optionalString(node, path, "type", 1, 128);
      if (type != null && !type.equals(name)) {
        throw ApiError.invalid(path + ".type: must equal name");
      }
    }
    boolean enabled = Fields.optionalBoolean(node, path, "enabled", defaults.enabled());
    PermissionPolicy policy = policy(node, path, defaults.permissionPolicy());
    if (!"web_fetch".equals(name) && !"web_search".equals(name)) {
      return new ToolConfig(name, name, enabled, policy, null, null, null, null, null);
    }
    List<String> allowed = domains(node, path, "allowed_domains");
    List<String> blocked = domains(node, path, "blocked_domains");
    if (allowed != null && blocked != null) {
      throw ApiError.invalid(path + ": allowed_domains and blocked_domains are mutually exclusive");
    }
    Integer maxTokens = null;
    JsonNode urlSources = null;
    JsonNode location = null;
    if ("web_fetch".equals(name)) {
      maxTokens = Fields.optionalInt(node, path, "max_content_tokens", 1, 1_000_000);
      urlSources = urlSources(node, path);
    } else {
      location = optionalObject(node, path, "user_location");
    }
    return new ToolConfig(
        name, name, enabled, policy, allowed, blocked, maxTokens, urlSources, location);
  }

  private static List<String> domains(JsonNode node, String path, String field) {
    if (Fields.isNullOrAbsent(node, field)) {
      return null;
    }
    return Fields.array(
        node.get(field),
        path + "." + field,
        64,
        (v, p) -> {
          String host = Fields.checkString(v, p, 1, 253);
          if (!HOSTNAME.matcher(host).matches()) {
            throw ApiError.invalid(p + ": must be a bare hostname (no scheme, port or path)");
          }
          return host;
        });
  }

  /**
   * {@code url_sources}: each of {@code user_input}, {@code client_tool_results} and {@code
   * server_tool_results} is {@code "all"}, {@code "none"} or, for tool results, {@code {type:
   * "only"|"except", tools:[{type:"tool_reference", name}]}}. The harness enforces it (UrlSources).
   */
  private static JsonNode urlSources(JsonNode node, String path) {
    JsonNode sources = optionalObject(node, path, "url_sources");
    if (sources == null) {
      return null;
    }
    String base = path + ".url_sources";
    List<String> keys = List.of("user_input", "client_tool_results", "server_tool_results");
    sources
        .fieldNames()
        .forEachRemaining(
            k -> {
              if (!keys.contains(k)) {
                throw ApiError.invalid(base + "." + k + ": unknown field; expected one of " + keys);
              }
            });
    for (String key : keys) {
      JsonNode rule = sources.get(key);
      String p = base + "." + key;
      if (rule == null || rule.isNull()) {
        continue;
      }
      if (rule.isTextual()) {
        Fields.oneOf(rule.asText(), p, List.of("all", "none"));
        continue;
      }
      if (key.equals("user_input") || !rule.isObject()) {
        throw ApiError.invalid(
            p
                + ": must be \"all\" or \"none\""
                + (key.equals("user_input") ? "" : " or an object"));
      }
      Fields.oneOf(
          Fields.requiredString(rule, p, "type", 1, 16), p + ".type", List.of("only", "except"));
      if (Fields.isNullOrAbsent(rule, "tools")) {
        throw ApiError.invalid(p + ".tools: is required");
      }
      Fields.array(
          rule.get("tools"),
          p + ".tools",
          128,
          (v, tp) -> {
            Fields.object(v, tp);
            Fields.oneOf(
                Fields.requiredString(v, tp, "type", 1, 32),
                tp + ".type",
                List.of("tool_reference"));
            return Fields.requiredString(v, tp, "name", 1, 128);
          });
    }
    return sources;
  }

  private static JsonNode optionalObject(JsonNode node, String path, String field) {
    if (Fields.isNullOrAbsent(node, field)) {
      return null;
    }
    return Fields.object(node.get(field), path + "." + field).deepCopy();
  }
}
