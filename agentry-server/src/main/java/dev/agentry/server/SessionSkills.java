package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Session;
import dev.agentry.core.SkillVersion;
import dev.agentry.core.Store;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The skill versions a session's agent snapshot pins, in the agent's order, as the sandbox gets
 * them: one per skill, and on a name clash the first one (as the official worker does, since the
 * name is the folder). A version deleted since the session pinned it is left out unless this node
 * read it before. Versions never change, so each is read from the store once per node (the
 * session's workspace is read each time: one indexed lookup, and nothing kept for sessions long
 * gone).
 */
final class SessionSkills {
  private final Store store;
  private final Map<String, SkillVersion> versions = new ConcurrentHashMap<>();

  SessionSkills(Store store) {
    this.store = store;
  }

  List<SkillVersion> of(Session session) {
    List<JsonNode> refs = session.agent().spec().skills();
    if (refs.isEmpty()) {
      return List.of();
    }
    String workspace = workspace(session.id());
    if (workspace == null) {
      return List.of();
    }
    List<SkillVersion> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (JsonNode ref : refs) {
      String version = ref.path("version").asText();
      if (!ref.path("type").asText().equals("custom") || !version.matches("[1-9][0-9]{0,8}")) {
        continue; // a snapshot pins every custom skill to a number; nothing else is runnable
      }
      find(workspace, ref.path("skill_id").asText(), Integer.parseInt(version))
          .filter(v -> names.add(v.name()))
          .ifPresent(out::add);
    }
    return out;
  }

  private Optional<SkillVersion> find(String workspace, String skillId, int version) {
    String key = skillId + "@" + version;
    SkillVersion known = versions.get(key);
    if (known != null) {
      return Optional.of(known);
    }
    Optional<SkillVersion> found = store.skills().findVersion(workspace, skillId, version);
    found.ifPresent(v -> versions.put(key, v));
    return found;
  }

  private String workspace(String sessionId) {
    return store.sessions().workspaceOf(sessionId).orElse(null);
  }
}
