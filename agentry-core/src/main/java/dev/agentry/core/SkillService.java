package dev.agentry.core;

import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * The Skills API's operations over the records ({@link SkillRepository}) and the archives ({@link
 * BlobStore}). An archive's blob may be shared (same bytes, or a file of the Files API with the
 * bytes of a downloaded archive), so deleting a version deletes its blob only when nothing refers
 * to it any more. A new version whose blob a concurrent delete removed between the put and the
 * record is found by checking the blob after recording it, and undone.
 */
public final class SkillService {
  /** What every skill of this server is: uploaded here, not one of Anthropic's. */
  public static final String SOURCE_CUSTOM = "custom";

  private final SkillRepository skills;
  private final BlobStore blobs;
  private final Clock clock;

  public SkillService(SkillRepository skills, BlobStore blobs, Clock clock) {
    this.skills = skills;
    this.blobs = blobs;
    this.clock = clock;
  }

  /** What a version is made of: its front matter and its archive (a zip), read once. */
  public record Content(String name, String description, InputStream archive) {}

  /**
   * Stores a new skill of {@code workspaceId} whose version 1 is {@code content}.
   *
   * @throws BlobException if the archive cannot be stored (nothing is recorded then)
   */
  public Skill create(String workspaceId, String displayName, Content content) {
    BlobRef ref = blobs.put(content.archive());
    Instant now = now();
    Skill skill = new Skill(Ids.next(IdKind.SKILL), displayName, SOURCE_CUSTOM, 1, now, now);
    Skill stored = skills.create(workspaceId, skill, draft(content, ref));
    if (!blobs.exists(ref.address())) {
      skills.deleteVersion(workspaceId, stored.id(), 1, now);
      skills.delete(workspaceId, stored.id());
      throw new BlobException(
          "the skill's archive was deleted by a concurrent delete of the same content; retry");
    }
    return stored;
  }

  /**
   * Adds {@code content} as the skill's next version.
   *
   * @throws StoreException.NotFound if the skill is not in {@code workspaceId}
   */
  public SkillVersion addVersion(String workspaceId, String skillId, Content content) {
    BlobRef ref = blobs.put(content.archive());
    SkillVersion made;
    try {
      made = skills.addVersion(workspaceId, skillId, draft(content, ref), now());
    } catch (RuntimeException e) {
      release(ref.address());
      throw e;
    }
    if (!blobs.exists(ref.address())) {
      skills.deleteVersion(workspaceId, skillId, made.version(), now());
      throw new BlobException(
          "the skill's archive was deleted by a concurrent delete of the same content; retry");
    }
    return made;
  }

  /** Deletes the version (and its blob once nothing refers to it); empty if it was not there. */
  public Optional<SkillVersion> deleteVersion(String workspaceId, String skillId, int version) {
    Optional<SkillVersion> removed = skills.deleteVersion(workspaceId, skillId, version, now());
    removed.ifPresent(v -> release(v.blobAddress()));
    return removed;
  }

  /**
   * The version's archive (a zip whose entries sit under one folder named as the version); the
   * caller closes the stream.
   *
   * @throws BlobException.NotFound if the bytes are gone
   */
  public InputStream open(SkillVersion version) {
    return blobs.open(version.blobAddress());
  }

  /** The records, for reads that need no blob. */
  public SkillRepository records() {
    return skills;
  }

  private void release(String address) {
    if (skills.countBlobReferences(address) == 0) {
      blobs.delete(address);
    }
  }

  private static SkillRepository.VersionDraft draft(Content content, BlobRef ref) {
    return new SkillRepository.VersionDraft(
        content.name(), content.description(), ref.address(), ref.size());
  }

  private Instant now() {
    return Timestamps.truncate(clock.instant());
  }
}
