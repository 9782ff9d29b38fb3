package dev.agentry.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RosterTest {
  private static final Instant CREATED = Instant.parse("2026-12-01T10:00:00.123456Z");
  private static final Instant UPDATED = Instant.parse("2026-12-02T11:00:00.654321Z");

  private static Agent agent(String id, int version, String name, JsonNode multiagent) {
    ToolSpec toolset =
        new ToolSpec.AgentToolset(
            DefaultToolConfig.ALLOW_ALL,
            List.of(
                ToolConfig.simple("bash", true, PermissionPolicy.ALWAYS_ASK),
                ToolConfig.simple("read", false, PermissionPolicy.ALWAYS_ALLOW)));
    ToolSpec custom =
        new ToolSpec.CustomTool(
            "lookup", "Looks things up", Json.mapper().createObjectNode().put("type", "object"));
    AgentSpec spec =
        new AgentSpec(
            name,
            "desc of " + name,
            "You are " + name,
            new ModelConfig("claude-sonnet-4-5", new ModelConfig.Effort("low"), "us", null),
            List.of(toolset, custom),
            List.of(),
            List.of(Json.mapper().createObjectNode().put("type", "anthropic")),
            Map.of("team", "blue"),
            multiagent,
            null);
    return new Agent(id, version, spec, CREATED, UPDATED, null);
  }

  @Test
  void of_readsExpandedMembersAndSelf() {
    Agent researcher = agent("agent_r", 3, "researcher", null);
    ObjectNode multiagent = Json.mapper().createObjectNode().put("type", Roster.COORDINATOR);
    multiagent
        .putArray("agents")
        .add(Roster.expandedEntry(researcher))
        .addObject()
        .put("type", "self");
    Agent coordinator = agent("agent_c", 7, "lead", multiagent);

    Roster roster = Roster.of(coordinator).orElseThrow();

    assertThat(roster.members()).hasSize(2);
    Roster.Member first = roster.members().get(0);
    assertThat(first.name()).isEqualTo("researcher");
    assertThat(first.self()).isFalse();
    assertThat(first.agent()).isEqualTo(researcher);
    Roster.Member self = roster.member("lead").orElseThrow();
    assertThat(self.self()).isTrue();
    assertThat(self.agent().id()).isEqualTo("agent_c");
    assertThat(self.agent().version()).isEqualTo(7);
    assertThat(self.agent().spec().multiagent()).as("a self copy cannot delegate").isNull();
    assertThat(self.agent().spec().tools()).isEqualTo(coordinator.spec().tools());
    assertThat(roster.member("nobody")).isEmpty();
  }

  @Test
  void of_readsTheNewerFormsPredefinedSubagents() {
    Agent member = agent("agent_m", 1, "member", null);
    ObjectNode multiagent =
        Json.mapper().createObjectNode().put("type", Roster.MULTIAGENT_20261001);
    ObjectNode subagents = multiagent.putObject("subagents").put("type", "enabled");
    subagents.putArray("predefined_agents").add(Roster.expandedEntry(member));

    Roster roster = Roster.of(agent("agent_c", 1, "lead", multiagent)).orElseThrow();

    assertThat(roster.members()).containsExactly(new Roster.Member("member", member, false));
  }

  @Test
  void of_isEmptyWithoutARoster() {
    assertThat(Roster.of(agent("agent_a", 1, "solo", null))).isEmpty();
    ObjectNode disabled = Json.mapper().createObjectNode().put("type", Roster.MULTIAGENT_20261001);
    disabled.putObject("subagents").put("type", "disabled");
    assertThat(Roster.of(agent("agent_a", 1, "solo", disabled))).isEmpty();
  }

  @Test
  void of_refusesAnEntryThatWasNotExpanded() {
    ObjectNode multiagent = Json.mapper().createObjectNode().put("type", Roster.COORDINATOR);
    multiagent.putArray("agents").addObject().put("type", "agent").put("id", "agent_x");

    assertThatThrownBy(() -> Roster.of(agent("agent_c", 1, "lead", multiagent)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not expanded");
  }

  @Test
  void expandedEntry_survivesAStoreRoundTrip() {
    Agent member = agent("agent_m", 2, "member", null);
    ObjectNode multiagent = Json.mapper().createObjectNode().put("type", Roster.COORDINATOR);
    multiagent.putArray("agents").add(Roster.expandedEntry(member));
    Agent coordinator = agent("agent_c", 1, "lead", multiagent);
    AgentSpec stored = Json.read(Json.write(coordinator.spec()), AgentSpec.class);

    Roster roster =
        Roster.of(new Agent("agent_c", 1, stored, CREATED, UPDATED, null)).orElseThrow();

    assertThat(roster.members().get(0).agent()).isEqualTo(member);
  }
}
