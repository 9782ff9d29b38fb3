package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.EventDraft;
import dev.agentry.core.PermissionPolicy;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolSpec;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Applies an agent's permission policies to its built-in tool calls (docs/permissions.md). The
 * verdict is written into the {@code agent.tool_use} event itself, so the log alone says whether a
 * call may run, waits for a confirmation, or was refused.
 */
final class Permissions {
  static final String DEFAULT_DENY_MESSAGE = "The user denied this tool call.";

  /** The reason an {@code auto} policy asks before any MCP tool call (docs/permissions.md). */
  static final String MCP_TOOL = "mcp_tool";

  private final Map<String, ToolConfig> configs;
  private final Map<String, ToolSpec.McpToolset> mcpToolsets;
  private final AutoPolicy auto;

  private Permissions(
      Map<String, ToolConfig> configs,
      Map<String, ToolSpec.McpToolset> mcpToolsets,
      AutoPolicy auto) {
    this.configs = configs;
    this.mcpToolsets = mcpToolsets;
    this.auto = auto;
  }

  static Permissions of(AgentSpec spec, AutoPolicy auto) {
    Map<String, ToolConfig> configs = new HashMap<>();
    Map<String, ToolSpec.McpToolset> mcp = new HashMap<>();
    for (ToolSpec tool : spec.tools()) {
      if (tool instanceof ToolSpec.AgentToolset set) {
        set.configs().forEach(c -> configs.put(c.name(), c));
      } else if (tool instanceof ToolSpec.McpToolset set) {
        mcp.putIfAbsent(set.mcpServerName(), set);
      }
    }
    return new Permissions(configs, mcp, auto);
  }

  /** The resolved config of built-in tool {@code name} in {@code spec}, if the agent has it. */
  static Optional<ToolConfig> config(AgentSpec spec, String name) {
    return Optional.ofNullable(of(spec, AutoPolicy.none()).configs.get(name));
  }

  /** The {@code agent.tool_use} event of a call, with its evaluated permission. */
  EventDraft toolUse(String name, JsonNode input, Instant at) {
    ObjectNode p = Events.object().put("name", name);
    p.set("input", input);
    ToolConfig config = configs.get(name);
    PermissionPolicy policy = config == null ? null : config.permissionPolicy();
    String type = policy == null ? "always_allow" : policy.type();
    ObjectNode evaluation = Events.object().put("type", type);
    String permission;
    switch (type) {
      case "always_ask" -> permission = "ask";
      case "auto" -> {
        AutoPolicy.Decision d = auto.evaluate(name, input, config);
        permission = d.permission();
        ObjectNode verdict = evaluation.putObject("evaluated_permission").put("type", permission);
        if (d.reasonCode() != null) {
          verdict.put("reason_code", d.reasonCode());
        }
      }
      default -> {
        permission = "allow";
        evaluation.put("type", "always_allow");
      }
    }
    p.put("evaluated_permission", permission);
    p.set("evaluation", evaluation);
    return Events.draft("agent.tool_use", p, at);
  }

  /**
   * The {@code agent.mcp_tool_use} event of a call of MCP tool {@code tool} on {@code server}, with
   * its evaluated permission: the {@code mcp_toolset}'s {@code configs[]} entry for the tool, else
   * its {@code default_config}, else {@code always_allow}. {@code auto} asks: the policy knows
   * nothing about what an MCP tool does.
   */
  EventDraft mcpToolUse(String server, String tool, JsonNode input, Instant at) {
    ObjectNode p = Events.object().put("name", tool).put("mcp_server_name", server);
    p.set("input", input);
    String type = mcpPolicy(server, tool);
    ObjectNode evaluation = Events.object().put("type", type);
    String permission;
    switch (type) {
      case "always_ask" -> permission = "ask";
      case "auto" -> {
        permission = "ask";
        evaluation
            .putObject("evaluated_permission")
            .put("type", permission)
            .put("reason_code", MCP_TOOL);
      }
      default -> {
        permission = "allow";
        evaluation.put("type", "always_allow");
      }
    }
    p.put("evaluated_permission", permission);
    p.set("evaluation", evaluation);
    return Events.draft(McpEvents.USE, p, at);
  }

  private String mcpPolicy(String server, String tool) {
    ToolSpec.McpToolset set = mcpToolsets.get(server);
    if (set == null) {
      return "always_allow";
    }
    PermissionPolicy policy = null;
    boolean configured = false;
    for (ToolConfig c : set.configs()) {
      if (c.name().equals(tool)) {
        policy = c.permissionPolicy();
        configured = true;
        break;
      }
    }
    if (!configured && set.defaultConfig() != null) {
      policy = set.defaultConfig().permissionPolicy();
    }
    return policy == null ? "always_allow" : policy.type();
  }

  /** True when the call waits for a {@code user.tool_confirmation}. */
  static boolean asks(JsonNode toolUse) {
    return "ask".equals(toolUse.path("evaluated_permission").asText());
  }

  /** The error text the model gets for a call the policy refused; empty unless refused. */
  static Optional<String> refusal(JsonNode toolUse) {
    if (!"deny".equals(toolUse.path("evaluated_permission").asText())) {
      return Optional.empty();
    }
    String code =
        toolUse.path("evaluation").path("evaluated_permission").path("reason_code").asText();
    return Optional.of(
        "This tool call was denied by the auto permission policy and did not run (reason_code: "
            + code
            + ": "
            + AutoPolicy.explain(code)
            + ").");
  }

  /** One {@code user.tool_confirmation}, read against the calls still awaiting one. */
  record Answer(StoredEvent confirmation, StoredEvent use, boolean allow, String denyText) {
    /** False when the call was already answered (e.g. by an interrupt): nothing to do. */
    boolean pending() {
      return use != null;
    }
  }

  static Answer answer(StoredEvent confirmation, LogState s) {
    JsonNode p = Events.payload(confirmation);
    StoredEvent use = s.awaitingConfirmation.get(p.path("tool_use_id").asText());
    boolean allow = "allow".equals(p.path("result").asText());
    String message = p.path("deny_message").asText("");
    String text =
        message.isBlank() ? DEFAULT_DENY_MESSAGE : "The user denied this tool call: " + message;
    return new Answer(confirmation, use, allow, text);
  }
}
