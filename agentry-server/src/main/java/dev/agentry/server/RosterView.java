package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Agent;
import dev.agentry.core.Json;
import dev.agentry.core.Roster;

/**
 * How a stored {@code {"type":"self"}} roster entry reads in responses. The official SDKs type a
 * roster entry as an agent reference (or an advisor), so {@code self} is shown as a reference to
 * the coordinator itself: {@code {"type":"agent","id","version"}} on an agent, and the whole
 * coordinator version (without its roster) in a session's snapshot. An update that sends such a
 * reference back is read as {@code self} again ({@link Rosters#pinned}).
 */
final class RosterView {
  private RosterView() {}

  /** Rewrites the {@code self} entries of {@code rendered}, the API form of {@code agent}. */
  static ObjectNode resolveSelf(ObjectNode rendered, Agent agent, boolean sessionSnapshot) {
    JsonNode multiagent = rendered.get("multiagent");
    if (multiagent == null || !multiagent.isObject()) {
      return rendered;
    }
    Rosters.Entries entries = Rosters.Entries.of(multiagent);
    if (entries == null) {
      return rendered;
    }
    for (int i = 0; i < entries.array().size(); i++) {
      if (!entries.array().get(i).path("type").asText().equals("self")) {
        continue;
      }
      ObjectNode shown =
          sessionSnapshot
              ? Roster.expandedEntry(Roster.selfCopy(agent))
              : Json.mapper()
                  .createObjectNode()
                  .put("type", "agent")
                  .put("id", agent.id())
                  .put("version", agent.version());
      entries.array().set(i, shown);
    }
    return rendered;
  }
}
