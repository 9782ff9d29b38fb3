package dev.agentry.core;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** One entry of an agent's {@code tools} array. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = ToolSpec.AgentToolset.class, name = ToolSpec.AGENT_TOOLSET),
  @JsonSubTypes.Type(value = ToolSpec.McpToolset.class, name = "mcp_toolset"),
  @JsonSubTypes.Type(value = ToolSpec.CustomTool.class, name = "custom")
})
public sealed interface ToolSpec {
  String AGENT_TOOLSET = "agent_toolset_20260401";

  /** The names of the built-in tools, in the order the API documents them. */
  List<String> BUILT_IN_TOOLS =
      List.of("bash", "read", "write", "edit", "glob", "grep", "web_fetch", "web_search");

  /** The built-in toolset; {@code configs} lists every built-in tool, resolved. */
  record AgentToolset(DefaultToolConfig defaultConfig, List<ToolConfig> configs)
      implements ToolSpec {}

  /** The tools of one MCP server; {@code configs} holds only the tools configured by name. */
  record McpToolset(String mcpServerName, DefaultToolConfig defaultConfig, List<ToolConfig> configs)
      implements ToolSpec {}

  /** A tool the client executes; the session waits for its result. */
  record CustomTool(String name, String description, JsonNode inputSchema) implements ToolSpec {}
}
