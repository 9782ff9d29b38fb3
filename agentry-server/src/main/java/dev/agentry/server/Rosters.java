package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Agent;
import dev.agentry.core.AgentRepository;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.Roster;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves a coordinator's roster against the agents of one workspace (ADR 0037). At agent save
 * every entry is pinned to a version (a bare id to the latest one then) and the rules that span
 * agents are checked: members exist and are not archived, have no roster of their own (depth 1),
 * carry unique names (a {@code self} entry is named as the coordinator) and share the coordinator's
 * {@code model.inference_geo}. At session creation the pinned versions are checked again (a member
 * may have been archived since) and expanded into the session's agent snapshot, which {@link
 * Roster#of} reads.
 */
final class Rosters {
  private final AgentRepository agents;
  private final String workspace;
  private final Map<String, Optional<Agent>> seen = new HashMap<>();

  Rosters(AgentRepository agents, String workspace) {
    this.agents = agents;
    this.workspace = workspace;
  }

  /**
   * {@code spec} with its roster pinned and checked; {@code coordinatorId} is null for a new agent.
   * An entry that names the coordinator itself is its {@code self} entry (that is how responses
   * show it).
   */
  AgentSpec pinned(AgentSpec spec, String coordinatorId) {
    if (spec.multiagent() == null) {
      return spec;
    }
    ObjectNode multiagent = spec.multiagent().deepCopy();
    Entries entries = Entries.of(multiagent);
    if (entries == null) {
      return spec;
    }
    Names names = new Names(spec.name());
    for (int i = 0; i < entries.array().size(); i++) {
      String at = entries.path() + "[" + i + "]";
      ObjectNode entry = (ObjectNode) entries.array().get(i);
      String id = entry.path("id").asText();
      if (entry.path("type").asText().equals("self") || id.equals(coordinatorId)) {
        entries.array().set(i, entry.objectNode().put("type", "self"));
        names.self(at);
        continue;
      }
      Integer version = entry.has("version") ? entry.get("version").asInt() : null;
      Agent member = member(at, id, version, spec, "");
      names.add(at, member.spec().name());
      entry.put("version", member.version());
    }
    return spec.withRoster(multiagent);
  }

  /**
   * The session snapshot of {@code coordinator}: each pinned member checked again and expanded to
   * the whole agent version. Errors name the coordinator's entry under {@code agent}.
   */
  Agent snapshot(Agent coordinator) {
    AgentSpec spec = coordinator.spec();
    if (spec.multiagent() == null) {
      return coordinator;
    }
    ObjectNode multiagent = spec.multiagent().deepCopy();
    Entries entries = Entries.of(multiagent);
    if (entries == null) {
      return coordinator;
    }
    String prefix = "agent: " + coordinator.id() + " ";
    for (int i = 0; i < entries.array().size(); i++) {
      JsonNode entry = entries.array().get(i);
      if (entry.path("type").asText().equals("self")) {
        continue;
      }
      String at = entries.path() + "[" + i + "]";
      Agent member =
          member(at, entry.path("id").asText(), entry.path("version").asInt(), spec, prefix);
      entries.array().set(i, Roster.expandedEntry(member));
    }
    return coordinator.withSpec(spec.withRoster(multiagent));
  }

  /** The member version an entry names, if it may be rostered under {@code coordinator}. */
  private Agent member(
      String at, String id, Integer version, AgentSpec coordinator, String prefix) {
    String key = id + "@" + version;
    Agent member =
        seen.computeIfAbsent(
                key,
                k ->
                    version == null
                        ? agents.find(workspace, id)
                        : agents.findVersion(workspace, id, version))
            .orElseThrow(
                () ->
                    ApiError.invalid(
                        prefix
                            + at
                            + ": no agent "
                            + id
                            + (version == null ? "" : " with version " + version),
                        "agent_not_found"));
    if (member.archivedAt() != null) {
      throw ApiError.invalid(
          prefix + at + ": agent " + id + " is archived and cannot be on a roster",
          "agent_archived");
    }
    if (member.spec().multiagent() != null) {
      throw ApiError.invalid(
          prefix
              + at
              + ": agent "
              + id
              + " (version "
              + member.version()
              + ") has a multiagent roster of its own; rosters are one level deep");
    }
    String geo = coordinator.model().inferenceGeo();
    String memberGeo = member.spec().model().inferenceGeo();
    if (!Objects.equals(geo, memberGeo)) {
      throw ApiError.invalid(
          prefix
              + at
              + ": model.inference_geo of agent "
              + id
              + " is "
              + describe(memberGeo)
              + " but the coordinator's is "
              + describe(geo)
              + "; it must be the same on the coordinator and every member, or unset on all");
    }
    return member;
  }

  private static String describe(String geo) {
    return geo == null ? "unset" : "'" + geo + "'";
  }

  /** The entry array of a stored roster and its path in the API; null when there is none. */
  record Entries(ArrayNode array, String path) {
    static Entries of(JsonNode multiagent) {
      if (multiagent.path("agents").isArray()) {
        return new Entries((ArrayNode) multiagent.get("agents"), "multiagent.agents");
      }
      JsonNode predefined = multiagent.path("subagents").path("predefined_agents");
      return predefined.isArray()
          ? new Entries((ArrayNode) predefined, "multiagent.subagents.predefined_agents")
          : null;
    }
  }

  /** Member names seen so far; the coordinator's name belongs to its {@code self} entry. */
  private static final class Names {
    private final String coordinator;
    private final Set<String> taken = new HashSet<>();
    private boolean self;

    Names(String coordinator) {
      this.coordinator = coordinator;
    }

    void self(String at) {
      if (self) {
        throw ApiError.invalid(at + ": a roster may have at most one {\"type\":\"self\"}");
      }
      self = true;
      add(at, coordinator);
    }

    void add(String at, String name) {
      if (!taken.add(name)) {
        throw ApiError.invalid(
            at + ": the name '" + name + "' is already on the roster; names must be unique");
      }
    }
  }
}
