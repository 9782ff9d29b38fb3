package dev.agentry.core;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Memory stores, their memories and the immutable versions every write leaves. The writes to one
 * store's memories are serialised (the store's row is locked), so the path rules, the store's cap
 * and a {@code content_sha256} precondition are checked against what is really there. A store
 * belongs to a workspace; its memories and versions are reached through it.
 */
public interface MemoryRepository {
  /** The most memories a store holds. */
  int MAX_MEMORIES = 2_000;

  MemoryStore createStore(String workspaceId, MemoryStore store);

  Optional<MemoryStore> findStore(String workspaceId, String id);

  /**
   * @throws StoreException.NotFound if there is no such store
   */
  MemoryStore updateStore(String id, UnaryOperator<MemoryStore> change);

  /** Deletes the store with its memories and versions. */
  boolean deleteStore(String id);

  Page<MemoryStore> listStores(String workspaceId, ResourceFilter filter, PageRequest page);

  /**
   * A new memory at {@code path} (already checked for form) and its {@code created} version.
   *
   * @throws PathConflict if the path, one of its ancestors or a path below it is a memory
   * @throws StoreFull if the store holds {@link #MAX_MEMORIES} already
   * @throws StoreException.NotFound if there is no such store
   */
  Memory create(String storeId, String path, String content, MemoryActor actor, Instant now);

  Optional<Memory> findMemory(String storeId, String memoryId);

  /** The memory at exactly {@code path}, if any. */
  Optional<Memory> findByPath(String storeId, String path);

  /** Every memory whose path starts with {@code pathPrefix}, without content, sorted by path. */
  List<Memory> list(String storeId, String pathPrefix);

  /** The memories with these ids, with their content, in no particular order. */
  List<Memory> findAll(String storeId, Collection<String> memoryIds);

  /**
   * Moves and/or rewrites a memory (a null {@code path} or {@code content} keeps it) and records a
   * {@code modified} version, unless nothing changes.
   *
   * @param expectedSha256 null, or the hash the memory's content must have now
   * @throws PreconditionFailed if {@code expectedSha256} does not match
   * @throws PathConflict if the new path clashes
   * @throws StoreException.NotFound if there is no such memory
   */
  Memory update(
      String storeId,
      String memoryId,
      String path,
      String content,
      String expectedSha256,
      MemoryActor actor,
      Instant now);

  /**
   * Deletes a memory and records a {@code deleted} version.
   *
   * @throws PreconditionFailed if {@code expectedSha256} is not null and does not match
   * @throws StoreException.NotFound if there is no such memory
   */
  MemoryVersion delete(
      String storeId, String memoryId, String expectedSha256, MemoryActor actor, Instant now);

  Optional<MemoryVersion> findVersion(String storeId, String versionId);

  /** Versions of the store matching {@code filter}, by ({@code created_at}, id). */
  Page<MemoryVersion> listVersions(String storeId, VersionFilter filter, PageRequest page);

  /**
   * Blanks a version's content, path, hash and size, keeping who wrote it and when.
   *
   * @throws StoreException.Conflict if it is the current content of a memory
   * @throws StoreException.NotFound if there is no such version
   */
  MemoryVersion redact(String storeId, String versionId, MemoryActor actor, Instant now);

  /** Which versions a listing returns; a null field does not filter. */
  record VersionFilter(
      String memoryId,
      String operation,
      String sessionId,
      String apiKeyId,
      String serviceAccountId,
      TimeRange createdAt) {
    public VersionFilter {
      createdAt = createdAt == null ? TimeRange.ALL : createdAt;
    }

    public static final VersionFilter ALL =
        new VersionFilter(null, null, null, null, null, TimeRange.ALL);
  }

  /** A path that is, is under or is above an existing memory's. */
  final class PathConflict extends StoreException {
    private final String conflictingPath;
    private final String conflictingMemoryId;

    public PathConflict(String message, String conflictingPath, String conflictingMemoryId) {
      super(message);
      this.conflictingPath = conflictingPath;
      this.conflictingMemoryId = conflictingMemoryId;
    }

    public String conflictingPath() {
      return conflictingPath;
    }

    public String conflictingMemoryId() {
      return conflictingMemoryId;
    }
  }

  /** The memory's content is not the one the writer expected. */
  final class PreconditionFailed extends StoreException {
    public PreconditionFailed(String message) {
      super(message);
    }
  }

  /** The store holds {@link #MAX_MEMORIES} memories. */
  final class StoreFull extends StoreException {
    public StoreFull(String message) {
      super(message);
    }
  }
}
