package dev.agentry.core;

import java.time.Instant;

/**
 * A skill of the Skills API: a named folder of instructions and resources, kept as numbered
 * versions ({@link SkillVersion}). {@code latestVersion} is the highest version left, 0 when every
 * version has been deleted. {@code source} is {@code custom} for every skill this server stores.
 */
public record Skill(
    String id,
    String displayName,
    String source,
    int latestVersion,
    Instant createdAt,
    Instant updatedAt) {}
