package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.Event;
import dev.agentry.core.EventCodec;
import dev.agentry.core.EventDraft;
import dev.agentry.core.LogEntry;
import dev.agentry.core.PermissionPolicy;
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
    return EventCodec.draft(new Event.AgentToolUse(name, input, permission, evaluation, null), at);
  }

  /**
   * The {@code agent.mcp_tool_use} event of a call of MCP tool {@code tool} on {@code server}, with
   * its evaluated permission: the {@code mcp_toolset}'s {@code configs[]} entry for the tool, else
   * its {@code default_config}, else {@code always_allow}. {@code auto} asks: the policy knows
   * nothing about what an MCP tool does.
   */
  EventDraft mcpToolUse(String server, String tool, JsonNode input, Instant at) {
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
    return EventCodec.draft(
        new Event.AgentMcpToolUse(tool, server, input, permission, evaluation, null), at);
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

  /** What the runner does with a journalled call: its permission verdict, read once here. */
  enum Verdict {
    /** The policy refused it: the model gets {@link #refusal}'s text as an error result. */
    REFUSE,
    /** It waits for a {@code user.tool_confirmation}. */
    WAIT,
    RUN
  }

  /** The verdict on {@code use}; {@code confirmed} once an allow has settled its confirmation. */
  static Verdict verdict(Event.ToolCall use, boolean confirmed) {
    if ("deny".equals(use.evaluatedPermission())) {
      return Verdict.REFUSE;
    }
    return asks(use) && !confirmed ? Verdict.WAIT : Verdict.RUN;
  }

  /** True when the call waits for a {@code user.tool_confirmation}. */
  static boolean asks(Event.ToolCall use) {
    return "ask".equals(use.evaluatedPermission());
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
    return Optional.of(refusalText(toolUse.path("evaluation")));
  }

  /** The error text the model gets for a call the policy refused ({@link Verdict#REFUSE}). */
  static String refusal(Event.ToolCall use) {
    return refusalText(use.evaluation() == null ? Events.object() : use.evaluation());
  }

  private static String refusalText(JsonNode evaluation) {
    String code = evaluation.path("evaluated_permission").path("reason_code").asText();
    return "This tool call was denied by the auto permission policy and did not run (reason_code: "
        + code
        + ": "
        + AutoPolicy.explain(code)
        + ").";
  }

  /** One {@code user.tool_confirmation}, read against the calls still awaiting one. */
  record Answer(LogEntry confirmation, LogEntry use, boolean allow, String denyText) {
    /** False when the call was already answered (e.g. by an interrupt): nothing to do. */
    boolean pending() {
      return use != null;
    }
  }

  static Answer answer(LogEntry confirmation, LogState s) {
    // Only confirmations are queued as such (LogState.queue); a corrupt one reads as a deny.
    Event.UserToolConfirmation c =
        confirmation.event() instanceof Event.UserToolConfirmation t
            ? t
            : new Event.UserToolConfirmation("", "deny", null, null);
    LogEntry use = s.awaitingConfirmation.get(c.toolUseId());
    String message = c.denyMessage() == null ? "" : c.denyMessage();
    String text =
        message.isBlank() ? DEFAULT_DENY_MESSAGE : "The user denied this tool call: " + message;
    return new Answer(confirmation, use, c.allows(), text);
  }
}
