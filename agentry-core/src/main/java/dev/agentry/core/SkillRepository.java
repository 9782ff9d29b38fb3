package dev.agentry.core;

import java.time.Instant;
import java.util.Optional;

/**
 * The Skills API's records, per workspace. Archives live in the {@link BlobStore}; a blob may be
 * shared with other versions and with files of the Files API, so it is deleted only when {@link
 * #countBlobReferences} says nothing is left.
 */
public interface SkillRepository {

  /** The name, description and archive of a version about to be made. */
  record VersionDraft(String name, String description, String blobAddress, long sizeBytes) {}

  /** Stores a new skill in {@code workspaceId} with {@code first} as its version 1. */
  Skill create(String workspaceId, Skill skill, VersionDraft first);

  /** The skill, if it exists in {@code workspaceId} (another workspace's skill is absent). */
  Optional<Skill> find(String workspaceId, String id);

  /** Skills of {@code workspaceId}, by creation time and id. */
  Page<Skill> list(String workspaceId, PageRequest page);

  /**
   * Removes the skill if it has no versions left.
   *
   * @throws StoreException.Conflict if it still has versions
   * @return the removed skill; empty if it was not there
   */
  Optional<Skill> delete(String workspaceId, String id);

  /**
   * Adds the next version to the skill (numbered one past the highest ever made) and makes it the
   * latest.
   *
   * @throws StoreException.NotFound if the skill is not in {@code workspaceId}
   */
  SkillVersion addVersion(String workspaceId, String skillId, VersionDraft draft, Instant now);

  /** The version, if the skill is in {@code workspaceId} and still has it. */
  Optional<SkillVersion> findVersion(String workspaceId, String skillId, int version);

  /** The skill's versions, by number. */
  Page<SkillVersion> versions(String workspaceId, String skillId, PageRequest page);

  /**
   * Removes the version; the skill's latest becomes the highest one left (0 if none).
   *
   * @return the removed version; empty if it was not there
   */
  Optional<SkillVersion> deleteVersion(
      String workspaceId, String skillId, int version, Instant now);

  /**
   * How many records, of any workspace, refer to {@code blobAddress}: skill versions and files of
   * the Files API alike (they share the blob store).
   */
  long countBlobReferences(String blobAddress);
}
