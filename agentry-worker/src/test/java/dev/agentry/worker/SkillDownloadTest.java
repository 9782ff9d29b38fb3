package dev.agentry.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Which skills a worker fetches for a session's agent, in the official worker's order. */
class SkillDownloadTest {
  @Test
  void theAgentsSkillsComeFirst_thenItsRosters_oncePerSkillId_customOnly() throws Exception {
    JsonNode agent =
        WorkApi.JSON.readTree(
            """
            {"skills": [
               {"type": "custom", "skill_id": "skill_a", "version": "2"},
               {"type": "anthropic", "skill_id": "xlsx"}],
             "multiagent": {"type": "coordinator", "agents": [
               {"type": "agent", "skills": [
                  {"type": "custom", "skill_id": "skill_b"},
                  {"type": "custom", "skill_id": "skill_a", "version": "1"}]},
               {"type": "self"}]}}
            """);

    assertThat(SkillDownload.references(agent))
        .containsExactly(
            java.util.Map.entry("skill_a", "2"), java.util.Map.entry("skill_b", "latest"));
  }

  @Test
  void theNewerRosterShape_listsEnabledPredefinedAgents() throws Exception {
    JsonNode agent =
        WorkApi.JSON.readTree(
            """
            {"skills": [],
             "multiagent": {"type": "multiagent_20261001",
               "subagents": {"type": "enabled", "predefined_agents": [
                  {"type": "agent", "skills": [{"type": "custom", "skill_id": "skill_s"}]}]},
               "workflows": {"type": "disabled", "predefined_agents": [
                  {"type": "agent", "skills": [{"type": "custom", "skill_id": "skill_w"}]}]}}}
            """);

    assertThat(SkillDownload.references(agent)).containsOnlyKeys("skill_s");
  }
}
