package dev.agentry.server;

import dev.agentry.core.Event;
import dev.agentry.core.EventCodec;
import dev.agentry.core.Json;
import dev.agentry.core.SandboxMount;
import dev.agentry.core.Session;
import dev.agentry.core.SkillService;
import dev.agentry.core.SkillVersion;
import dev.agentry.core.Store;
import dev.agentry.core.Timestamps;
import dev.agentry.sandbox.SkillFolder;
import dev.agentry.sandbox.Workspaces;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's skills in its sandbox: each pinned version extracted once per session per node into
 * {@code <data>/session-mounts/<id>/skills/<name>/} (removed with the session's other mount
 * folders), and that folder bound read-only at {@value SkillPrompt#ROOT}. A version whose archive
 * is gone (deleted since the session pinned it, on a node that never extracted it) is left out and
 * reported as a {@code session.error}.
 */
final class SkillMounts {
  private static final Logger LOG = LoggerFactory.getLogger(SkillMounts.class);

  private final Store store;
  private final SkillService skills;
  private final SessionSkills sessionSkills;
  private final Workspaces sessionDirs;
  private final Clock clock;

  SkillMounts(
      Store store, SkillService skills, SessionSkills sessionSkills, Path root, Clock clock) {
    this.store = store;
    this.skills = skills;
    this.sessionSkills = sessionSkills;
    this.sessionDirs = Workspaces.under(root);
    this.clock = clock;
  }

  /** The read-only bind of the session's skills, with each one ready; empty if it has none. */
  List<SandboxMount> forSandbox(String sessionId) {
    Session session = store.sessions().find(sessionId).orElse(null);
    if (session == null) {
      return List.of();
    }
    List<SkillVersion> versions = sessionSkills.of(session);
    if (versions.isEmpty()) {
      return List.of();
    }
    Path dir = sessionDirs.create(sessionId).resolve("skills");
    for (SkillVersion v : versions) {
      try {
        extractIfNeeded(v, dir);
      } catch (IOException | RuntimeException e) {
        LOG.error("session {}: skill {} could not be made ready", sessionId, v.skillId(), e);
        report(sessionId, v);
      }
    }
    return List.of(new SandboxMount(dir, SkillPrompt.ROOT, true));
  }

  private void extractIfNeeded(SkillVersion v, Path dir) throws IOException {
    Path dest = dir.resolve(v.name());
    if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.createDirectories(dir);
    // Extracted aside and moved in whole, so a failure never leaves half a skill to be kept.
    Path tmp = dir.resolve(".part-" + UUID.randomUUID());
    try (InputStream in = skills.open(v)) {
      SkillFolder.extract(in, tmp);
      Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Workspaces.removeTree(tmp);
    }
  }

  private void report(String sessionId, SkillVersion v) {
    var err =
        Json.mapper()
            .createObjectNode()
            .put("type", "skill_mount_error")
            .put(
                "message",
                "skill "
                    + v.skillId()
                    + " (version "
                    + v.version()
                    + ") could not be made ready at "
                    + SkillPrompt.ROOT
                    + "/"
                    + v.name());
    err.putObject("retry_status").put("type", "terminal");
    store
        .events()
        .append(
            sessionId,
            List.of(
                EventCodec.draft(
                    new Event.SessionError(err), Timestamps.truncate(clock.instant()))));
  }
}
