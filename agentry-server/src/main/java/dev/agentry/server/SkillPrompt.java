package dev.agentry.server;

import dev.agentry.core.Session;
import dev.agentry.core.SkillVersion;
import dev.agentry.core.SystemPrompt;
import java.util.List;

/**
 * The system prompt of a session whose agent has skills: what {@code inner} makes, then a section
 * that names each skill with its description and where its {@code SKILL.md} is. Only that much goes
 * in every request; the model reads the rest of a skill when a task calls for it (the Agent Skills
 * progressive disclosure).
 */
final class SkillPrompt implements SystemPrompt {
  static final String ROOT = dev.agentry.sandbox.SkillFolder.SANDBOX_ROOT;

  private final SystemPrompt inner;
  private final SessionSkills skills;

  SkillPrompt(SystemPrompt inner, SessionSkills skills) {
    this.inner = inner;
    this.skills = skills;
  }

  @Override
  public String of(Session session) {
    String base = inner.of(session);
    List<SkillVersion> versions = skills.of(session);
    if (versions.isEmpty()) {
      return base;
    }
    StringBuilder out = new StringBuilder();
    if (base != null && !base.isBlank()) {
      out.append(base).append("\n\n");
    }
    out.append("# Skills\n")
        .append(
            "Skills are folders of instructions, scripts and resources for particular tasks,"
                + " mounted read-only under "
                + ROOT
                + ". When a task matches a skill's description, read that skill's SKILL.md first"
                + " and follow it; open the other files it mentions only when you need them."
                + " Its scripts can be run from where they are.\n");
    for (SkillVersion v : versions) {
      out.append("\n## ").append(v.name()).append('\n');
      out.append("- Description: ").append(v.description()).append('\n');
      out.append("- Read: ").append(ROOT).append('/').append(v.name()).append("/SKILL.md\n");
    }
    return out.toString();
  }
}
