package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Agent;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.Roster;
import dev.agentry.core.Skill;
import dev.agentry.core.SkillRepository;
import java.util.ArrayList;
import java.util.List;

/**
 * An agent's custom skill references against the skills of one workspace: at agent save each must
 * name a skill that exists (and a version it has, when pinned to a number); at session creation
 * each {@code latest} is resolved to the number it is then, so the session's agent snapshot keeps
 * the same skill versions whatever is uploaded later.
 */
final class SkillRefs {
  private SkillRefs() {}

  /**
   * @throws ApiError a 400 naming the entry whose skill or version does not exist
   */
  static void check(AgentSpec spec, SkillRepository skills, String workspaceId) {
    resolve(spec.skills(), skills, workspaceId, "");
  }

  /** {@code agent} with every skill reference pinned to a version number. */
  static Agent pin(Agent agent, SkillRepository skills, String workspaceId) {
    refuseMembersSkills(agent);
    AgentSpec s = agent.spec();
    if (s.skills().isEmpty()) {
      return agent;
    }
    List<JsonNode> pinned = resolve(s.skills(), skills, workspaceId, "agent: " + agent.id() + " ");
    return agent.withSpec(s.withSkills(pinned));
  }

  /**
   * Only the session's own agent gets its skills in the sandbox and prompt; a roster member's would
   * be silently missing, so a session of such a roster is refused instead (ADR 0041).
   */
  private static void refuseMembersSkills(Agent agent) {
    Roster.of(agent)
        .flatMap(
            r ->
                r.members().stream()
                    .filter(m -> !m.self() && !m.agent().spec().skills().isEmpty())
                    .findFirst())
        .ifPresent(
            m -> {
              throw ApiError.invalid(
                  "agent.multiagent: roster member '"
                      + m.name()
                      + "' has skills, and skills of multi-agent members are not supported yet;"
                      + " give the skills to the coordinator or remove them from the member",
                  "unsupported_feature");
            });
  }

  private static List<JsonNode> resolve(
      List<JsonNode> refs, SkillRepository skills, String workspaceId, String prefix) {
    List<JsonNode> out = new ArrayList<>();
    for (int i = 0; i < refs.size(); i++) {
      String at = prefix + "skills[" + i + "]";
      ObjectNode ref = (ObjectNode) refs.get(i).deepCopy();
      String id = ref.path("skill_id").asText();
      Skill skill =
          skills
              .find(workspaceId, id)
              .orElseThrow(
                  () ->
                      ApiError.invalid(
                          at + ".skill_id: no skill " + id + " (upload it with POST /v1/skills)",
                          "skill_not_found"));
      String version = ref.path("version").asText(SkillContent.LATEST);
      int number =
          version.equals(SkillContent.LATEST) ? skill.latestVersion() : Integer.parseInt(version);
      if (number == 0 || skills.findVersion(workspaceId, id, number).isEmpty()) {
        throw ApiError.invalid(
            at
                + ".version: skill "
                + id
                + (number == 0 ? " has no versions left" : " has no version " + version),
            "skill_not_found");
      }
      ref.put("version", Integer.toString(number));
      out.add(ref);
    }
    return out;
  }
}
