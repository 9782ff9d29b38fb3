package dev.agentry.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * What an agent is, as its creator wrote it (validated and resolved). {@code skills} and {@code
 * executionIdentity} are kept as given until a harness uses them. {@code multiagent} holds the
 * roster with every entry pinned to a version (ADR 0037); in a session's snapshot its members are
 * expanded, and {@link Roster#of} reads them. {@code multiagent} and {@code executionIdentity} may
 * be null.
 */
public record AgentSpec(
    String name,
    String description,
    String system,
    ModelConfig model,
    List<ToolSpec> tools,
    List<McpServer> mcpServers,
    List<JsonNode> skills,
    Map<String, String> metadata,
    JsonNode multiagent,
    JsonNode executionIdentity) {

  public AgentSpec {
    tools = List.copyOf(tools);
    mcpServers = List.copyOf(mcpServers);
    skills = List.copyOf(skills);
    metadata = Map.copyOf(metadata);
    // JSON null reads back as a NullNode; keep "absent" as null so stored specs compare equal.
    multiagent = multiagent == null || multiagent.isNull() ? null : multiagent;
    executionIdentity =
        executionIdentity == null || executionIdentity.isNull() ? null : executionIdentity;
  }

  /** This spec with another system prompt (the runtime's additions for a session). */
  public AgentSpec withSystem(String newSystem) {
    return java.util.Objects.equals(newSystem, system)
        ? this
        : new AgentSpec(
            name,
            description,
            newSystem,
            model,
            tools,
            mcpServers,
            skills,
            metadata,
            multiagent,
            executionIdentity);
  }

  /** This spec with another roster ({@code multiagent}; null for none). */
  public AgentSpec withRoster(JsonNode newMultiagent) {
    return new AgentSpec(
        name,
        description,
        system,
        model,
        tools,
        mcpServers,
        skills,
        metadata,
        newMultiagent,
        executionIdentity);
  }

  /** This spec with other skills (pinned to versions). */
  public AgentSpec withSkills(List<JsonNode> newSkills) {
    return new AgentSpec(
        name,
        description,
        system,
        model,
        tools,
        mcpServers,
        newSkills,
        metadata,
        multiagent,
        executionIdentity);
  }

  /** This spec with other tools and MCP servers (a session's update, a member's layered tools). */
  public AgentSpec withTools(List<ToolSpec> newTools, List<McpServer> newServers) {
    return new AgentSpec(
        name,
        description,
        system,
        model,
        newTools,
        newServers,
        skills,
        metadata,
        multiagent,
        executionIdentity);
  }
}
