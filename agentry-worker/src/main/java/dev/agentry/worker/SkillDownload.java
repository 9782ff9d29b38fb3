package dev.agentry.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.sandbox.SkillFolder;
import dev.agentry.sandbox.Workspaces;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The skills of a session's agent, and then of its roster's members, fetched as the official worker
 * fetches them: each skill once (by {@code skill_id}, first reference wins), its version resolved
 * ({@code latest} through the skill itself), its archive downloaded and extracted with {@link
 * SkillFolder} into {@code <dir>/<name>/}; on a name clash the first skill keeps the folder. A
 * skill that cannot be fetched is left out with a warning, as the SDK does: the session runs
 * without it rather than not at all.
 */
final class SkillDownload {
  private static final Logger log = LoggerFactory.getLogger(SkillDownload.class);

  private final WorkApi api;
  private final String credential;

  SkillDownload(WorkApi api, String credential) {
    this.api = api;
    this.credential = credential;
  }

  /** The custom skills to fetch, skill id → version as referenced, in the SDK's order. */
  static Map<String, String> references(JsonNode agent) {
    List<JsonNode> refs = new ArrayList<>();
    agent.path("skills").forEach(refs::add);
    for (JsonNode member : members(agent.path("multiagent"))) {
      member.path("skills").forEach(refs::add);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonNode ref : refs) {
      if ("custom".equals(ref.path("type").asText()) && ref.path("skill_id").isTextual()) {
        out.putIfAbsent(ref.path("skill_id").asText(), ref.path("version").asText("latest"));
      }
    }
    return out;
  }

  private static List<JsonNode> members(JsonNode multiagent) {
    List<JsonNode> out = new ArrayList<>();
    switch (multiagent.path("type").asText()) {
      case "coordinator" -> multiagent.path("agents").forEach(out::add);
      case "multiagent_20261001" -> {
        for (String group : List.of("subagents", "workflows")) {
          JsonNode g = multiagent.path(group);
          if ("enabled".equals(g.path("type").asText())) {
            g.path("predefined_agents").forEach(out::add);
          }
        }
      }
      default -> {}
    }
    return out;
  }

  /** Fetches every skill of {@code agent} into {@code dir}; returns the names it extracted. */
  List<String> into(JsonNode agent, Path dir) throws IOException {
    Files.createDirectories(dir);
    List<String> names = new ArrayList<>();
    Set<String> taken = new HashSet<>();
    for (var ref : references(agent).entrySet()) {
      try {
        fetch(ref.getKey(), ref.getValue(), dir, taken).ifPresent(names::add);
      } catch (ApiError | IOException e) {
        log.warn("skill {} could not be fetched; the session runs without it: {}", ref.getKey(), e);
      }
    }
    return names;
  }

  private java.util.Optional<String> fetch(
      String skillId, String version, Path dir, Set<String> taken) throws IOException {
    String skill = "/v1/skills/" + WorkApi.encode(skillId);
    String number =
        "latest".equals(version)
            ? api.get(credential, skill).path("latest_version_id").asText("")
            : version;
    if (number.isEmpty()) {
      log.warn("skill {} has no version; left out", skillId);
      return java.util.Optional.empty();
    }
    String at = skill + "/versions/" + WorkApi.encode(number);
    String name = api.get(credential, at).path("name").asText("");
    // The name is a folder: one clean path segment, or the skill is left out.
    if (name.isEmpty() || name.contains("/") || SkillFolder.pathRule(name) != null) {
      log.warn("skill {} has a name that is no folder name ({}); left out", skillId, name);
      return java.util.Optional.empty();
    }
    Path dest = dir.resolve(name);
    if (!taken.add(name) || Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
      log.warn("an earlier skill is named {}; skill {} left out", name, skillId);
      return java.util.Optional.empty();
    }
    // Extracted aside and moved in whole, so a failure never leaves half a skill behind.
    Path tmp = dir.resolve(".part-" + UUID.randomUUID());
    try (InputStream in = api.download(credential, at + "/content")) {
      SkillFolder.extract(in, tmp);
      Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Workspaces.removeTree(tmp);
    }
    log.info("skill {} version {} ready at {}", skillId, number, dest);
    return java.util.Optional.of(name);
  }
}
