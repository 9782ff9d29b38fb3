package dev.agentry.store;

import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.Memory;
import dev.agentry.core.MemoryActor;
import dev.agentry.core.MemoryContent;
import dev.agentry.core.MemoryRepository;
import dev.agentry.core.MemoryStore;
import dev.agentry.core.MemoryVersion;
import dev.agentry.core.Page;
import dev.agentry.core.PageRequest;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.StoreException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Memory stores (V8): stores as JSON bodies, memories and versions as plain columns. Every write to
 * a store's memories runs in its own transaction that first locks the store's row, so two writers
 * of one store (on any node) take turns and each sees what the other committed.
 */
final class SqlMemories extends DocRepository<MemoryStore> implements MemoryRepository {
  private static final DocTable<MemoryStore> STORES =
      new DocTable<>(
          "memory store",
          "memory_stores",
          List.of("id", "body", "created_at", "updated_at", "archived_at"),
          s ->
              new Object[] {
                s.id(),
                Json.write(s),
                Rows.micros(s.createdAt()),
                Rows.micros(s.updatedAt()),
                Rows.micros(s.archivedAt())
              },
          MemoryStore::id,
          "body",
          rs -> Json.read(rs.getString(1), MemoryStore.class));

  private static final String BASIC =
      "id, store_id, path, NULL, content_sha256, content_size_bytes, version_id, created_at,"
          + " updated_at";
  private static final String FULL =
      "id, store_id, path, content, content_sha256, content_size_bytes, version_id, created_at,"
          + " updated_at";
  private static final RowMapper<Memory> MEMORY =
      rs ->
          new Memory(
              rs.getString(1),
              rs.getString(2),
              rs.getString(3),
              rs.getString(4),
              rs.getString(5),
              rs.getInt(6),
              rs.getString(7),
              Rows.instant(rs, 8),
              Rows.instant(rs, 9));

  private static final String VERSION_COLUMNS =
      "id, memory_id, store_id, operation, content, content_sha256, content_size_bytes, path,"
          + " actor_type, actor_id, redacted_at, redacted_by_type, redacted_by_id, created_at";
  private static final RowMapper<MemoryVersion> VERSION =
      rs -> {
        int size = rs.getInt(7);
        Integer sizeOrNull = rs.wasNull() ? null : size;
        String redactedType = rs.getString(12);
        return new MemoryVersion(
            rs.getString(1),
            rs.getString(2),
            rs.getString(3),
            rs.getString(4),
            rs.getString(5),
            rs.getString(6),
            sizeOrNull,
            rs.getString(8),
            new MemoryActor(rs.getString(9), rs.getString(10)),
            Rows.instant(rs, 11),
            redactedType == null ? null : new MemoryActor(redactedType, rs.getString(13)),
            Rows.instant(rs, 14));
      };

  SqlMemories(Database db) {
    super(db, STORES);
  }

  @Override
  public MemoryStore createStore(String workspaceId, MemoryStore store) {
    return create(workspaceId, store);
  }

  @Override
  public Optional<MemoryStore> findStore(String workspaceId, String id) {
    return find(workspaceId, id);
  }

  @Override
  public MemoryStore updateStore(String id, UnaryOperator<MemoryStore> change) {
    return update(id, change);
  }

  @Override
  public boolean deleteStore(String id) {
    return db.transact(
        tx -> {
          // SQLite does not enforce the foreign keys, so the rows below go explicitly.
          tx.update("DELETE FROM memory_versions WHERE store_id = ?", id);
          tx.update("DELETE FROM memories WHERE store_id = ?", id);
          return STORES.delete(tx, id);
        });
  }

  @Override
  public Page<MemoryStore> listStores(String workspaceId, ResourceFilter filter, PageRequest page) {
    return list(workspaceId, filter, page);
  }

  @Override
  public Memory create(
      String storeId, String path, String content, MemoryActor actor, Instant now) {
    return db.transact(
        tx -> {
          lockStore(tx, storeId);
          checkPath(tx, storeId, path, null);
          long count =
              tx.one(
                      "SELECT COUNT(*) FROM memories WHERE store_id = ?",
                      rs -> rs.getLong(1),
                      storeId)
                  .orElse(0L);
          if (count >= MAX_MEMORIES) {
            throw new StoreFull(
                "memory store " + storeId + " holds " + MAX_MEMORIES + " memories already");
          }
          String id = Ids.next(IdKind.MEMORY);
          String versionId = Ids.next(IdKind.MEMORY_VERSION);
          String sha = MemoryContent.sha256(content);
          int size = MemoryContent.size(content);
          tx.update(
              "INSERT INTO memories (" + FULL + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              id,
              storeId,
              path,
              content,
              sha,
              size,
              versionId,
              Rows.micros(now),
              Rows.micros(now));
          insertVersion(
              tx, versionId, id, storeId, MemoryVersion.CREATED, content, path, actor, now);
          return findIn(tx, storeId, id, FULL).orElseThrow();
        });
  }

  @Override
  public Optional<Memory> findMemory(String storeId, String memoryId) {
    return db.read(tx -> findIn(tx, storeId, memoryId, FULL));
  }

  @Override
  public Optional<Memory> findByPath(String storeId, String path) {
    return db.read(
        tx ->
            tx.one(
                "SELECT " + FULL + " FROM memories WHERE store_id = ? AND path = ?",
                MEMORY,
                storeId,
                path));
  }

  @Override
  public List<Memory> list(String storeId, String pathPrefix) {
    List<Memory> all =
        new ArrayList<>(
            db.read(
                tx ->
                    tx.query(
                        "SELECT "
                            + BASIC
                            + " FROM memories WHERE store_id = ? AND substr(path, 1, ?) = ?",
                        MEMORY,
                        storeId,
                        pathPrefix.codePointCount(0, pathPrefix.length()),
                        pathPrefix)));
    // Sorted here rather than by the database, whose collation may not be by code point.
    all.sort(Comparator.comparing(Memory::path));
    return all;
  }

  @Override
  public List<Memory> findAll(String storeId, Collection<String> memoryIds) {
    if (memoryIds.isEmpty()) {
      return List.of();
    }
    Query q =
        new Query("SELECT " + FULL + " FROM memories WHERE store_id = ?", storeId)
            .in("id", memoryIds);
    return db.read(tx -> tx.query(q.sql(), MEMORY, q.params()));
  }

  @Override
  public Memory update(
      String storeId,
      String memoryId,
      String path,
      String content,
      String expectedSha256,
      MemoryActor actor,
      Instant now) {
    return db.transact(
        tx -> {
          lockStore(tx, storeId);
          Memory current = findIn(tx, storeId, memoryId, FULL).orElseThrow(() -> gone(memoryId));
          checkPrecondition(current, expectedSha256);
          String nextPath = path == null ? current.path() : path;
          String nextContent = content == null ? current.content() : content;
          if (nextPath.equals(current.path()) && nextContent.equals(current.content())) {
            return current;
          }
          if (!nextPath.equals(current.path())) {
            checkPath(tx, storeId, nextPath, memoryId);
          }
          String versionId = Ids.next(IdKind.MEMORY_VERSION);
          tx.update(
              "UPDATE memories SET path = ?, content = ?, content_sha256 = ?,"
                  + " content_size_bytes = ?, version_id = ?, updated_at = ? WHERE id = ?",
              nextPath,
              nextContent,
              MemoryContent.sha256(nextContent),
              MemoryContent.size(nextContent),
              versionId,
              Rows.micros(now),
              memoryId);
          insertVersion(
              tx,
              versionId,
              memoryId,
              storeId,
              MemoryVersion.MODIFIED,
              nextContent,
              nextPath,
              actor,
              now);
          return findIn(tx, storeId, memoryId, FULL).orElseThrow();
        });
  }

  @Override
  public MemoryVersion delete(
      String storeId, String memoryId, String expectedSha256, MemoryActor actor, Instant now) {
    return db.transact(
        tx -> {
          lockStore(tx, storeId);
          Memory current = findIn(tx, storeId, memoryId, FULL).orElseThrow(() -> gone(memoryId));
          checkPrecondition(current, expectedSha256);
          tx.update("DELETE FROM memories WHERE id = ?", memoryId);
          String versionId = Ids.next(IdKind.MEMORY_VERSION);
          insertVersion(
              tx,
              versionId,
              memoryId,
              storeId,
              MemoryVersion.DELETED,
              null,
              current.path(),
              actor,
              now);
          return findVersionIn(tx, storeId, versionId).orElseThrow();
        });
  }

  @Override
  public Optional<MemoryVersion> findVersion(String storeId, String versionId) {
    return db.read(tx -> findVersionIn(tx, storeId, versionId));
  }

  @Override
  public Page<MemoryVersion> listVersions(String storeId, VersionFilter filter, PageRequest page) {
    return db.read(
        tx -> {
          Query q =
              new Query(
                  "SELECT " + VERSION_COLUMNS + " FROM memory_versions WHERE store_id = ?",
                  storeId);
          if (filter.memoryId() != null) {
            q.and("memory_id = ?", filter.memoryId());
          }
          if (filter.operation() != null) {
            q.and("operation = ?", filter.operation());
          }
          actor(q, MemoryActor.SESSION, filter.sessionId());
          actor(q, MemoryActor.API, filter.apiKeyId());
          actor(q, "service_account_actor", filter.serviceAccountId());
          q.range("created_at", filter.createdAt());
          return Keyset.resource("").page(tx, q, page, VERSION);
        });
  }

  @Override
  public MemoryVersion redact(String storeId, String versionId, MemoryActor actor, Instant now) {
    return db.transact(
        tx -> {
          lockStore(tx, storeId);
          MemoryVersion v =
              findVersionIn(tx, storeId, versionId)
                  .orElseThrow(() -> new StoreException.NotFound("no memory version " + versionId));
          if (tx.exists("SELECT 1 FROM memories WHERE version_id = ?", versionId)) {
            throw new StoreException.Conflict(
                "memory version "
                    + versionId
                    + " is the current content of memory "
                    + v.memoryId()
                    + "; update or delete the memory first");
          }
          if (v.redactedAt() == null) {
            tx.update(
                "UPDATE memory_versions SET content = NULL, content_sha256 = NULL,"
                    + " content_size_bytes = NULL, path = NULL, redacted_at = ?,"
                    + " redacted_by_type = ?, redacted_by_id = ? WHERE id = ?",
                Rows.micros(now),
                actor.type(),
                actor.id(),
                versionId);
          }
          return findVersionIn(tx, storeId, versionId).orElseThrow();
        });
  }

  private static void actor(Query q, String type, String id) {
    if (id != null) {
      q.and("actor_type = ? AND actor_id = ?", type, id);
    }
  }

  private static void lockStore(Tx tx, String storeId) throws SQLException {
    if (STORES.find(tx, storeId, true).isEmpty()) {
      throw STORES.notFound(storeId);
    }
  }

  /**
   * Refuses {@code path} when it is a memory's path, when one of its ancestors is, or when a memory
   * lies below it ({@code except}: the memory being moved).
   */
  private static void checkPath(Tx tx, String storeId, String path, String except)
      throws SQLException {
    List<Object> candidates = new ArrayList<>();
    candidates.add(path);
    for (int i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
      candidates.add(path.substring(0, i));
    }
    String below = path + "/";
    Query q =
        new Query("SELECT " + BASIC + " FROM memories WHERE store_id = ?", storeId)
            .and(
                "(path IN ("
                    + String.join(", ", candidates.stream().map(c -> "?").toList())
                    + ") OR substr(path, 1, ?) = ?)",
                concat(candidates, below.codePointCount(0, below.length()), below));
    if (except != null) {
      q.and("id <> ?", except);
    }
    Optional<Memory> clash = tx.one(q.sql() + " LIMIT 1", MEMORY, q.params());
    if (clash.isPresent()) {
      Memory m = clash.get();
      String how =
          m.path().equals(path)
              ? "is already a memory"
              : m.path().startsWith(below)
                  ? "is a folder of memory " + m.path()
                  : "lies under memory " + m.path();
      throw new PathConflict("path " + path + " " + how, m.path(), m.id());
    }
  }

  private static Object[] concat(List<Object> head, Object... tail) {
    List<Object> all = new ArrayList<>(head);
    all.addAll(List.of(tail));
    return all.toArray();
  }

  private static void checkPrecondition(Memory current, String expectedSha256) {
    if (expectedSha256 != null && !expectedSha256.equals(current.contentSha256())) {
      throw new PreconditionFailed(
          "memory "
              + current.id()
              + " has content_sha256 "
              + current.contentSha256()
              + ", not "
              + expectedSha256);
    }
  }

  private static void insertVersion(
      Tx tx,
      String versionId,
      String memoryId,
      String storeId,
      String operation,
      String content,
      String path,
      MemoryActor actor,
      Instant now)
      throws SQLException {
    tx.update(
        "INSERT INTO memory_versions (id, memory_id, store_id, operation, content,"
            + " content_sha256, content_size_bytes, path, actor_type, actor_id, created_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        versionId,
        memoryId,
        storeId,
        operation,
        content,
        content == null ? null : MemoryContent.sha256(content),
        content == null ? null : MemoryContent.size(content),
        path,
        actor.type(),
        actor.id(),
        Rows.micros(now));
  }

  private static Optional<Memory> findIn(Tx tx, String storeId, String id, String columns)
      throws SQLException {
    return tx.one(
        "SELECT " + columns + " FROM memories WHERE store_id = ? AND id = ?", MEMORY, storeId, id);
  }

  private static Optional<MemoryVersion> findVersionIn(Tx tx, String storeId, String id)
      throws SQLException {
    return tx.one(
        "SELECT " + VERSION_COLUMNS + " FROM memory_versions WHERE store_id = ? AND id = ?",
        VERSION,
        storeId,
        id);
  }

  private static StoreException.NotFound gone(String memoryId) {
    return new StoreException.NotFound("no memory " + memoryId);
  }
}
