package dev.agentry.core;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The Files API's records, per workspace. Bytes live in the {@link BlobStore}; several records may
 * share one blob, so a blob is deleted only when {@link #countByBlob} says no record is left.
 */
public interface FileRepository {

  /** Stores {@code file} in {@code workspaceId} and returns it as stored. */
  FileRecord create(String workspaceId, FileRecord file);

  /** The file, if it exists in {@code workspaceId} (another workspace's file is absent). */
  Optional<FileRecord> find(String workspaceId, String id);

  /** Files of {@code workspaceId} matching {@code filter}, newest first. */
  Page<FileRecord> list(String workspaceId, FileFilter filter, PageRequest page);

  /** Removes the file and returns what was removed; empty if it was not there. */
  Optional<FileRecord> delete(String workspaceId, String id);

  /**
   * How many records (in any workspace) still refer to {@code blobAddress}: files, and the skill
   * versions that share the blob store.
   */
  long countByBlob(String blobAddress);

  /**
   * Up to {@code limit} files, of any workspace, whose {@code expiresAt} is at or before {@code
   * now}.
   */
  List<ExpiredFile> expired(Instant now, int limit);

  /** A file found by the expiry sweep, with the workspace it belongs to. */
  record ExpiredFile(String workspaceId, FileRecord file) {}
}
