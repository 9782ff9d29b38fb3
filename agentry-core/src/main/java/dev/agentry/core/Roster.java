package dev.agentry.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The agents a coordinator session can delegate to, read from the session's agent snapshot. At
 * session creation the server expands the coordinator's {@code multiagent} into the snapshot: each
 * member entry is {@code {"type":"self"}} or {@code {"type":"agent","id","version",...}} followed
 * by every field of that agent version as the API renders it, so a session keeps the members it was
 * created with even after they are updated or archived.
 *
 * <p>Both roster forms are read: {@code {"type":"coordinator","agents":[...]}} and {@code
 * {"type":"multiagent_20261001","subagents":{"type":"enabled","predefined_agents":[...]}}}.
 */
public record Roster(List<Member> members) {
  public static final String COORDINATOR = "coordinator";
  public static final String MULTIAGENT_20261001 = "multiagent_20261001";

  public Roster {
    members = List.copyOf(members);
  }

  /**
   * One agent the coordinator can send to, under {@code name}. A {@code self} member is a copy of
   * the coordinator (its name, its {@code agent} without {@code multiagent}) that cannot delegate.
   */
  public record Member(String name, Agent agent, boolean self) {}

  /** The member named {@code name}, if any. */
  public Optional<Member> member(String name) {
    return members.stream().filter(m -> m.name().equals(name)).findFirst();
  }

  /**
   * The roster of a session's agent snapshot, or empty when the agent is not a coordinator.
   *
   * @throws IllegalStateException if the snapshot holds an entry that was not expanded (the server
   *     expands every entry at session creation, so this means a corrupt snapshot)
   */
  public static Optional<Roster> of(Agent sessionSnapshot) {
    JsonNode entries = entries(sessionSnapshot.spec().multiagent());
    if (entries == null) {
      return Optional.empty();
    }
    List<Member> members = new ArrayList<>();
    for (JsonNode entry : entries) {
      String type = entry.path("type").asText();
      if (type.equals("self")) {
        members.add(new Member(sessionSnapshot.spec().name(), selfCopy(sessionSnapshot), true));
      } else if (type.equals("agent") && entry.has("name")) {
        Agent agent = expanded(entry);
        members.add(new Member(agent.spec().name(), agent, false));
      } else {
        throw new IllegalStateException("roster entry is not expanded: " + entry);
      }
    }
    return Optional.of(new Roster(members));
  }

  /** The snapshot entry of one member agent version: its reference and every field it renders. */
  public static ObjectNode expandedEntry(Agent member) {
    ObjectNode n = Json.mapper().createObjectNode().put("type", "agent").put("id", member.id());
    n.put("version", member.version());
    n.setAll((ObjectNode) Json.mapper().valueToTree(member.spec()));
    n.put("created_at", Timestamps.format(member.createdAt()));
    n.put("updated_at", Timestamps.format(member.updatedAt()));
    n.put(
        "archived_at", member.archivedAt() == null ? null : Timestamps.format(member.archivedAt()));
    return n;
  }

  /** The member entries of either roster form; null when {@code multiagent} holds no roster. */
  private static JsonNode entries(JsonNode multiagent) {
    if (multiagent == null) {
      return null;
    }
    JsonNode entries =
        switch (multiagent.path("type").asText()) {
          case COORDINATOR -> multiagent.get("agents");
          case MULTIAGENT_20261001 -> {
            JsonNode subagents = multiagent.path("subagents");
            yield subagents.path("type").asText().equals("enabled")
                ? subagents.get("predefined_agents")
                : null;
          }
          default -> null;
        };
    return entries != null && entries.isArray() && !entries.isEmpty() ? entries : null;
  }

  /** The agent a {@code self} member runs as: the coordinator without its roster. */
  public static Agent selfCopy(Agent coordinator) {
    return coordinator.withSpec(coordinator.spec().withRoster(null));
  }

  private static Agent expanded(JsonNode entry) {
    try {
      AgentSpec spec = Json.mapper().treeToValue(entry, AgentSpec.class);
      return new Agent(
          entry.path("id").asText(),
          entry.path("version").asInt(),
          spec,
          instant(entry, "created_at"),
          instant(entry, "updated_at"),
          instant(entry, "archived_at"));
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalStateException("roster entry cannot be read: " + entry.path("id"), e);
    }
  }

  private static Instant instant(JsonNode entry, String field) {
    JsonNode v = entry.get(field);
    return v == null || v.isNull() ? null : Instant.parse(v.asText());
  }
}
