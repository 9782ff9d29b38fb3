package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Agent;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.Json;
import dev.agentry.core.McpServer;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelConfig;
import dev.agentry.core.ToolSpec;
import java.util.List;
import java.util.Set;

/**
 * A session's own agent (docs/decisions/0042): an agent version with the fields of an {@code
 * agent_with_overrides} replaced at creation, and the session-local {@code tools} and {@code
 * mcp_servers} an update replaces later. Both are checked with the agent rules, under {@code
 * agent.}; the agent itself never changes.
 */
final class SessionAgents {
  static final String WITH_OVERRIDES = "agent_with_overrides";
  private static final Set<String> OVERRIDE_FIELDS =
      Set.of("type", "id", "version", "model", "system", "tools", "mcp_servers", "skills");
  private static final Set<String> UPDATE_FIELDS = Set.of("tools", "mcp_servers");

  private SessionAgents() {}

  /**
   * {@code base} with each field {@code node} names replaced (arrays whole; {@code null} clears); a
   * model override keeps the agent's effort, which the API reference says is ignored there.
   */
  static Agent overridden(Agent base, JsonNode node, ModelClient models) {
    knownFields(node, OVERRIDE_FIELDS);
    AgentSpec s = base.spec();
    ModelConfig model = s.model();
    if (!Fields.isNullOrAbsent(node, "model")) {
      ModelConfig m =
          AgentParser.servable(
              AgentParser.model(node.get("model"), "agent.model"),
              node.get("model"),
              models,
              "agent.model");
      model = new ModelConfig(m.id(), s.model().effort(), m.inferenceGeo(), m.speed());
    }
    AgentSpec spec =
        new AgentSpec(
            s.name(),
            s.description(),
            node.has("system")
                ? Fields.optionalString(node, "agent", "system", 0, 100_000)
                : s.system(),
            model,
            node.has("tools") ? AgentParser.tools(node, "agent") : s.tools(),
            node.has("mcp_servers") ? AgentParser.mcpServers(node, "agent") : s.mcpServers(),
            node.has("skills") ? AgentParser.skills(node, "agent") : s.skills(),
            s.metadata(),
            s.multiagent(),
            s.executionIdentity());
    return base.withSpec(AgentParser.checked(spec, "agent"));
  }

  /** The session-local agent an update's {@code agent: {tools?, mcp_servers?}} makes. */
  static Agent updated(Agent current, JsonNode node) {
    Fields.object(node, "agent");
    knownFields(node, UPDATE_FIELDS);
    AgentSpec s = current.spec();
    List<ToolSpec> tools = node.has("tools") ? AgentParser.tools(node, "agent") : s.tools();
    List<McpServer> servers =
        node.has("mcp_servers") ? AgentParser.mcpServers(node, "agent") : s.mcpServers();
    AgentSpec spec = s.withTools(tools, servers);
    return current.withSpec(AgentParser.checked(spec, "agent"));
  }

  /** What {@code session.updated} says changed: the replaced fields as the snapshot shows them. */
  static ObjectNode changes(Agent updated, JsonNode node) {
    ObjectNode full = Views.agent(updated);
    ObjectNode out = Json.mapper().createObjectNode();
    for (String f : List.of("tools", "mcp_servers")) {
      if (node.has(f)) {
        out.set(f, full.get(f));
      }
    }
    return out;
  }

  private static void knownFields(JsonNode node, Set<String> known) {
    node.fieldNames()
        .forEachRemaining(
            f -> {
              if (!known.contains(f)) {
                throw ApiError.invalid(
                    "agent."
                        + f
                        + ": unknown field; expected one of "
                        + known.stream().sorted().toList(),
                    "unsupported_feature");
              }
            });
  }
}
