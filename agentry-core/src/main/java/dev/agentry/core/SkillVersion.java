package dev.agentry.core;

import java.time.Instant;

/**
 * One version of a {@link Skill}: its number (1, 2, … in creation order, never reused), the {@code
 * name} and {@code description} of its {@code SKILL.md} front matter, and the content address of
 * its zip archive in the {@link BlobStore}.
 */
public record SkillVersion(
    String skillId,
    int version,
    String name,
    String description,
    String blobAddress,
    long sizeBytes,
    Instant createdAt) {}
