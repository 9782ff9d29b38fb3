package dev.agentry.store;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.Timestamps;
import dev.agentry.core.WorkItem;
import dev.agentry.core.WorkRepository;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The work queues in SQL. Each transition is a conditional update on the item's state (and, for a
 * heartbeat, its stored last heartbeat), so a lost race changes nothing. A poll locks its candidate
 * with {@code SKIP LOCKED} on PostgreSQL, so nodes polling at once take different items; SQLite's
 * single writer serialises them.
 */
final class SqlWorkItems implements WorkRepository {
  /** The lease a worker gets when it acks, until its first heartbeat claims the item. */
  static final Duration CLAIM_WINDOW = Duration.ofMinutes(5);

  static final int DEFAULT_TTL_SECONDS = 300;

  private static final String COLUMNS =
      "id, workspace_id, environment_id, session_id, state, metadata, created_at, polled_at,"
          + " worker_id, acknowledged_at, started_at, latest_heartbeat_at, ttl_seconds,"
          + " lease_expires_at, stop_requested_at, stopped_at, lapsed";

  private static final TypeReference<Map<String, String>> METADATA = new TypeReference<>() {};

  private static final RowMapper<WorkItem> ITEM =
      rs ->
          new WorkItem(
              rs.getString(1),
              rs.getString(2),
              rs.getString(3),
              rs.getString(4),
              rs.getString(5),
              metadata(rs.getString(6)),
              Rows.instant(rs, 7),
              Rows.instant(rs, 8),
              rs.getString(9),
              Rows.instant(rs, 10),
              Rows.instant(rs, 11),
              Rows.instant(rs, 12),
              rs.getInt(13),
              Rows.instant(rs, 14),
              Rows.instant(rs, 15),
              Rows.instant(rs, 16),
              rs.getInt(17) != 0);

  private static final String KEY_COLUMNS =
      "id, workspace_id, environment_id, name, secret_hash, created_at, revoked_at";

  private static final RowMapper<EnvironmentKey> KEY =
      rs ->
          new EnvironmentKey(
              rs.getString(1),
              rs.getString(2),
              rs.getString(3),
              rs.getString(4),
              rs.getString(5),
              Rows.instant(rs, 6),
              Rows.instant(rs, 7));

  private final Database db;

  /** This store's name in its work notices; null on a database only this process writes. */
  private final String origin;

  /** Long polls of this process wait on it; an offer here or another node's notice wakes them. */
  private final Object offers = new Object();

  /** Offers heard so far (guarded by {@link #offers}). */
  private long heard;

  SqlWorkItems(Database db, String origin) {
    this.db = db;
    this.origin = origin;
  }

  @Override
  public long offersHeard() {
    synchronized (offers) {
      return heard;
    }
  }

  @Override
  public void awaitOffer(String environmentId, long heardBefore, Duration max)
      throws InterruptedException {
    long until = System.nanoTime() + max.toNanos();
    synchronized (offers) {
      long left;
      while (heard == heardBefore && (left = until - System.nanoTime()) > 0) {
        offers.wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  @Override
  public Optional<WorkItem> latestOf(String sessionId) {
    return db.read(
        tx ->
            tx.one(
                "SELECT "
                    + COLUMNS
                    + " FROM work_items WHERE session_id = ? ORDER BY created_at DESC, id DESC"
                    + " LIMIT 1",
                ITEM,
                sessionId));
  }

  @Override
  public WorkItem offer(String workspaceId, String environmentId, String sessionId, Instant now) {
    WorkItem item;
    try {
      item = insertUnlessOpen(workspaceId, environmentId, sessionId, now);
    } catch (dev.agentry.core.StoreException.Conflict raced) {
      // Another offer for the session won the unique index of open items: its item is the one.
      item = db.read(tx -> openOf(tx, sessionId)).orElseThrow(() -> raced);
    }
    wakePolls();
    return item;
  }

  /** Wakes this process's long polls: an item was queued, here or (the feed says) elsewhere. */
  void wakePolls() {
    synchronized (offers) {
      heard++;
      offers.notifyAll();
    }
  }

  private WorkItem insertUnlessOpen(
      String workspaceId, String environmentId, String sessionId, Instant now) {
    return db.transact(
        tx -> {
          Optional<WorkItem> open = openOf(tx, sessionId);
          if (open.isPresent()) {
            return open.get();
          }
          String id = Ids.next(IdKind.WORK);
          // The unique index on open items of a session makes a concurrent offer fail here; the
          // caller's retry (or the other offer) leaves exactly one.
          try {
            tx.update(
                "INSERT INTO work_items (id, workspace_id, environment_id, session_id, state,"
                    + " metadata, created_at, ttl_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                id,
                workspaceId,
                environmentId,
                sessionId,
                WorkItem.QUEUED,
                "{}",
                Timestamps.toMicros(now),
                DEFAULT_TTL_SECONDS);
            if (origin != null) {
              // Sent with the commit: other nodes' polls wake at once, not when their wait ends.
              tx.notice(new WorkNotice(origin, environmentId).encode());
            }
          } catch (SQLException e) {
            if (tx.dialect().isUniqueViolation(e)) {
              throw new dev.agentry.core.StoreException.Conflict(
                  "session " + sessionId + " already has an open work item");
            }
            throw e;
          }
          return byId(tx, id).orElseThrow();
        });
  }

  @Override
  public Optional<WorkItem> poll(
      String environmentId, String workerId, String tokenHash, Duration reclaimAfter, Instant now) {
    long nowMicros = Timestamps.toMicros(now);
    long reclaimBefore = Timestamps.toMicros(now.minus(reclaimAfter));
    return db.transact(
        tx -> {
          Optional<String> candidate =
              tx.one(
                  "SELECT id FROM work_items WHERE environment_id = ? AND state = ?"
                      + " AND (polled_at IS NULL OR polled_at <= ?)"
                      + " ORDER BY created_at, id LIMIT 1"
                      + tx.dialect().skipLocked(),
                  rs -> rs.getString(1),
                  environmentId,
                  WorkItem.QUEUED,
                  reclaimBefore);
          if (candidate.isEmpty()) {
            return Optional.empty();
          }
          int updated =
              tx.update(
                  "UPDATE work_items SET polled_at = ?, worker_id = ?, token_hash = ?"
                      + " WHERE id = ? AND state = ? AND (polled_at IS NULL OR polled_at <= ?)",
                  nowMicros,
                  workerId,
                  tokenHash,
                  candidate.get(),
                  WorkItem.QUEUED,
                  reclaimBefore);
          return updated == 1 ? byId(tx, candidate.get()) : Optional.empty();
        });
  }

  @Override
  public Optional<WorkItem> find(String environmentId, String id) {
    return db.read(
        tx ->
            tx.one(
                "SELECT " + COLUMNS + " FROM work_items WHERE id = ? AND environment_id = ?",
                ITEM,
                id,
                environmentId));
  }

  @Override
  public Optional<WorkItem> findByToken(String tokenHash) {
    return db.read(
        tx ->
            tx.one(
                "SELECT " + COLUMNS + " FROM work_items WHERE token_hash = ? AND state <> ?",
                ITEM,
                tokenHash,
                WorkItem.STOPPED));
  }

  @Override
  public List<WorkItem> list(String environmentId, String afterId, int limit) {
    return db.read(
        tx -> {
          if (afterId == null) {
            return tx.query(
                "SELECT "
                    + COLUMNS
                    + " FROM work_items WHERE environment_id = ?"
                    + " ORDER BY created_at DESC, id DESC LIMIT ?",
                ITEM,
                environmentId,
                limit);
          }
          return tx.query(
              "SELECT "
                  + COLUMNS
                  + " FROM work_items w WHERE environment_id = ? AND EXISTS (SELECT 1 FROM"
                  + " work_items a WHERE a.id = ? AND (w.created_at < a.created_at OR"
                  + " (w.created_at = a.created_at AND w.id < a.id)))"
                  + " ORDER BY created_at DESC, id DESC LIMIT ?",
              ITEM,
              environmentId,
              afterId,
              limit);
        });
  }

  @Override
  public Optional<WorkItem> ack(String environmentId, String id, Instant now) {
    return db.transact(
        tx -> {
          int updated =
              tx.update(
                  "UPDATE work_items SET state = ?, acknowledged_at = ?, lease_expires_at = ?"
                      + " WHERE id = ? AND environment_id = ? AND state = ?",
                  WorkItem.STARTING,
                  Timestamps.toMicros(now),
                  Timestamps.toMicros(now.plus(CLAIM_WINDOW)),
                  id,
                  environmentId,
                  WorkItem.QUEUED);
          return updated == 1 ? byId(tx, id) : Optional.empty();
        });
  }

  @Override
  public Optional<Heartbeat> heartbeat(
      String environmentId, String id, Instant expected, Duration ttl, Instant now) {
    long nowMicros = Timestamps.toMicros(now);
    return db.transact(
        tx -> {
          Optional<WorkItem> found = inEnvironment(tx, environmentId, id);
          if (found.isEmpty()) {
            return Optional.empty();
          }
          WorkItem item = found.get();
          if (!java.util.Objects.equals(expected, item.latestHeartbeatAt())
              || item.lapsed()
              || WorkItem.QUEUED.equals(item.state())) {
            return Optional.of(new Heartbeat(item, false, false));
          }
          if (item.stopped() || WorkItem.STOPPING.equals(item.state())) {
            return Optional.of(new Heartbeat(item, true, false));
          }
          String stored =
              expected == null ? "latest_heartbeat_at IS NULL" : "latest_heartbeat_at = ?";
          Object[] params =
              expected == null
                  ? new Object[] {
                    WorkItem.ACTIVE,
                    nowMicros,
                    nowMicros,
                    (int) ttl.toSeconds(),
                    Timestamps.toMicros(now.plus(ttl)),
                    id,
                    item.state()
                  }
                  : new Object[] {
                    WorkItem.ACTIVE,
                    nowMicros,
                    nowMicros,
                    (int) ttl.toSeconds(),
                    Timestamps.toMicros(now.plus(ttl)),
                    id,
                    item.state(),
                    Timestamps.toMicros(expected)
                  };
          int updated =
              tx.update(
                  "UPDATE work_items SET state = ?, started_at = COALESCE(started_at, ?),"
                      + " latest_heartbeat_at = ?, ttl_seconds = ?, lease_expires_at = ?"
                      + " WHERE id = ? AND state = ? AND "
                      + stored,
                  params);
          WorkItem after = byId(tx, id).orElseThrow();
          return Optional.of(new Heartbeat(after, updated == 1, updated == 1));
        });
  }

  @Override
  public Optional<WorkItem> stop(String environmentId, String id, boolean force, Instant now) {
    long nowMicros = Timestamps.toMicros(now);
    return db.transact(
        tx -> {
          Optional<WorkItem> found = inEnvironment(tx, environmentId, id);
          if (found.isEmpty() || found.get().stopped()) {
            return Optional.empty();
          }
          // An item nobody holds has no one to finish up: it stops at once.
          if (force || WorkItem.QUEUED.equals(found.get().state())) {
            // An item nobody holds has no one to finish up: it stops at once, and its token dies.
            tx.update(
                "UPDATE work_items SET state = ?, stop_requested_at = COALESCE(stop_requested_at,"
                    + " ?), stopped_at = ?, token_hash = NULL WHERE id = ? AND state <> ?",
                WorkItem.STOPPED,
                nowMicros,
                nowMicros,
                id,
                WorkItem.STOPPED);
          } else {
            tx.update(
                "UPDATE work_items SET state = ?, stop_requested_at = COALESCE(stop_requested_at,"
                    + " ?) WHERE id = ? AND state <> ?",
                WorkItem.STOPPING,
                nowMicros,
                id,
                WorkItem.STOPPED);
          }
          return byId(tx, id);
        });
  }

  @Override
  public Optional<WorkItem> updateMetadata(
      String environmentId, String id, Map<String, String> patch) {
    return db.transact(
        tx -> {
          Optional<WorkItem> found = inEnvironment(tx, environmentId, id);
          if (found.isEmpty()) {
            return Optional.empty();
          }
          Map<String, String> merged = new LinkedHashMap<>(found.get().metadata());
          patch.forEach(
              (k, v) -> {
                if (v == null) {
                  merged.remove(k);
                } else {
                  merged.put(k, v);
                }
              });
          tx.update("UPDATE work_items SET metadata = ? WHERE id = ?", Json.write(merged), id);
          return byId(tx, id);
        });
  }

  @Override
  public List<WorkItem> lapsed(String environmentId, Instant now) {
    return db.read(
        tx ->
            tx.query(
                "SELECT "
                    + COLUMNS
                    + " FROM work_items WHERE environment_id = ? AND state IN (?, ?, ?)"
                    + " AND lease_expires_at <= ?",
                ITEM,
                environmentId,
                WorkItem.STARTING,
                WorkItem.ACTIVE,
                WorkItem.STOPPING,
                Timestamps.toMicros(now)));
  }

  @Override
  public boolean markLapsed(String id, Instant now) {
    long nowMicros = Timestamps.toMicros(now);
    return db.transact(
        tx ->
            tx.update(
                    "UPDATE work_items SET state = ?, stopped_at = ?, lapsed = 1, token_hash = NULL"
                        + " WHERE id = ? AND state IN (?, ?, ?) AND lease_expires_at <= ?",
                    WorkItem.STOPPED,
                    nowMicros,
                    id,
                    WorkItem.STARTING,
                    WorkItem.ACTIVE,
                    WorkItem.STOPPING,
                    nowMicros)
                == 1);
  }

  @Override
  public void recordPoller(String environmentId, String workerId, Instant now) {
    long nowMicros = Timestamps.toMicros(now);
    db.write(
        null,
        tx -> {
          int updated =
              tx.update(
                  "UPDATE work_pollers SET last_poll_at = ? WHERE environment_id = ? AND"
                      + " worker_id = ?",
                  nowMicros,
                  environmentId,
                  workerId);
          if (updated == 0) {
            tx.update(
                "INSERT INTO work_pollers (environment_id, worker_id, last_poll_at) VALUES (?, ?,"
                    + " ?) ON CONFLICT (environment_id, worker_id) DO UPDATE SET last_poll_at ="
                    + " excluded.last_poll_at",
                environmentId,
                workerId,
                nowMicros);
          }
          return null;
        });
  }

  @Override
  public Stats stats(String environmentId, Instant pollersSince) {
    return db.read(
        tx -> {
          long depth =
              count(
                  tx,
                  "SELECT COUNT(*) FROM work_items WHERE environment_id = ? AND state = ? AND"
                      + " polled_at IS NULL",
                  environmentId,
                  WorkItem.QUEUED);
          long pending =
              count(
                  tx,
                  "SELECT COUNT(*) FROM work_items WHERE environment_id = ? AND state = ? AND"
                      + " polled_at IS NOT NULL",
                  environmentId,
                  WorkItem.QUEUED);
          // MIN over no rows is one row of NULL.
          Instant oldest =
              tx.query(
                      "SELECT MIN(created_at) FROM work_items WHERE environment_id = ? AND state"
                          + " = ?",
                      rs -> Optional.ofNullable(Rows.instant(rs, 1)),
                      environmentId,
                      WorkItem.QUEUED)
                  .getFirst()
                  .orElse(null);
          long pollers =
              count(
                  tx,
                  "SELECT COUNT(*) FROM work_pollers WHERE environment_id = ? AND last_poll_at >="
                      + " ?",
                  environmentId,
                  Timestamps.toMicros(pollersSince));
          return new Stats(depth, pending, oldest, pollers);
        });
  }

  @Override
  public EnvironmentKey createKey(EnvironmentKey key) {
    return db.write(
        null,
        tx -> {
          tx.update(
              "INSERT INTO environment_keys (" + KEY_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)",
              key.id(),
              key.workspaceId(),
              key.environmentId(),
              key.name(),
              key.secretHash(),
              Rows.micros(key.createdAt()),
              Rows.micros(key.revokedAt()));
          return tx.one(
                  "SELECT " + KEY_COLUMNS + " FROM environment_keys WHERE id = ?", KEY, key.id())
              .orElseThrow();
        });
  }

  @Override
  public Optional<EnvironmentKey> findKeyByHash(String secretHash) {
    return db.read(
        tx ->
            tx.one(
                "SELECT " + KEY_COLUMNS + " FROM environment_keys WHERE secret_hash = ?",
                KEY,
                secretHash));
  }

  @Override
  public List<EnvironmentKey> listKeys(String environmentId) {
    return db.read(
        tx ->
            tx.query(
                "SELECT "
                    + KEY_COLUMNS
                    + " FROM environment_keys WHERE environment_id = ? ORDER BY created_at, id",
                KEY,
                environmentId));
  }

  @Override
  public boolean revokeKey(String environmentId, String id, Instant now) {
    return db.write(
        null,
        tx ->
            tx.update(
                    "UPDATE environment_keys SET revoked_at = ? WHERE id = ? AND environment_id = ?"
                        + " AND revoked_at IS NULL",
                    Rows.micros(now),
                    id,
                    environmentId)
                > 0);
  }

  private static Optional<WorkItem> openOf(Tx tx, String sessionId) throws SQLException {
    return tx.one(
        "SELECT " + COLUMNS + " FROM work_items WHERE session_id = ? AND state <> ?",
        ITEM,
        sessionId,
        WorkItem.STOPPED);
  }

  private static Optional<WorkItem> byId(Tx tx, String id) throws SQLException {
    return tx.one("SELECT " + COLUMNS + " FROM work_items WHERE id = ?", ITEM, id);
  }

  private static Optional<WorkItem> inEnvironment(Tx tx, String environmentId, String id)
      throws SQLException {
    return tx.one(
        "SELECT "
            + COLUMNS
            + " FROM work_items WHERE id = ? AND environment_id = ?"
            + tx.dialect().forUpdate(),
        ITEM,
        id,
        environmentId);
  }

  private static long count(Tx tx, String sql, Object... params) throws SQLException {
    return tx.one(sql, rs -> rs.getLong(1), params).orElse(0L);
  }

  private static Map<String, String> metadata(String json) {
    try {
      return Json.mapper().readValue(json, METADATA);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("work item metadata is not JSON", e);
    }
  }
}
