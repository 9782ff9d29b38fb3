package dev.agentry.store;

import dev.agentry.core.EventDraft;
import dev.agentry.core.StoreException;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.Timestamps;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * PostgreSQL's appender: bumping {@code sessions.last_seq} takes the session row's lock until
 * commit, which serialises appenders to one session across connections and nodes, so numbers have
 * neither gaps nor duplicates. The bump and the insert are one statement, so an append costs one
 * round trip.
 */
final class PostgresAppender implements Appender {
  private static final String BUMP = "UPDATE sessions SET last_seq = last_seq + ? WHERE id = ?";
  private static final String FENCE = " AND lease_token = ?";
  private static final String INSERT =
      " RETURNING last_seq)"
          + " INSERT INTO events (session_id, seq, id, type, payload, created_at, processed_at)"
          + " SELECT ?, s.last_seq - ? + d.ord, d.id, d.type, d.payload, ?, d.processed_at"
          + " FROM s, unnest(?::text[], ?::text[], ?::text[], ?::bigint[])"
          + " WITH ORDINALITY AS d(id, type, payload, processed_at, ord)"
          + " RETURNING seq";

  private static final String APPEND_ALL =
      "WITH s AS (UPDATE sessions SET last_seq = sessions.last_seq + c.n"
          + " FROM unnest(?::text[], ?::bigint[], ?::bigint[]) AS c(id, n, fence)"
          + " WHERE sessions.id = c.id AND (c.fence IS NULL OR sessions.lease_token = c.fence)"
          + " RETURNING sessions.id, sessions.last_seq - c.n AS base)"
          + " INSERT INTO events (session_id, seq, id, type, payload, created_at, processed_at)"
          + " SELECT d.sid, s.base + d.off, d.id, d.type, d.payload, ?, d.processed_at"
          + " FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::bigint[])"
          + " AS d(sid, off, id, type, payload, processed_at) JOIN s ON s.id = d.sid"
          + " RETURNING session_id, seq";

  @Override
  public List<StoredEvent> append(
      Tx tx, String sessionId, List<EventDraft> drafts, Long fence, Instant now)
      throws SQLException {
    int n = drafts.size();
    String[] ids = new String[n];
    String[] types = new String[n];
    String[] payloads = new String[n];
    Long[] processed = new Long[n];
    for (int i = 0; i < n; i++) {
      EventDraft d = drafts.get(i);
      ids[i] = d.id();
      types[i] = d.type();
      payloads[i] = d.payload();
      processed[i] = Rows.micros(d.processedAt());
    }
    PreparedStatement ps = tx.prepare("WITH s AS (" + BUMP + (fence == null ? "" : FENCE) + INSERT);
    List<Object> params = new ArrayList<>(List.of((long) n, sessionId));
    if (fence != null) {
      params.add(fence);
    }
    params.addAll(List.of(sessionId, (long) n, Timestamps.toMicros(now)));
    Tx.bind(ps, params.toArray());
    int next = params.size() + 1;
    ps.setArray(next++, tx.array("text", ids));
    ps.setArray(next++, tx.array("text", types));
    ps.setArray(next++, tx.array("text", payloads));
    ps.setArray(next, tx.array("bigint", processed));
    long first = Long.MAX_VALUE;
    int rows = 0;
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        first = Math.min(first, rs.getLong(1));
        rows++;
      }
    } catch (SQLException e) {
      if (tx.dialect().isUniqueViolation(e)) {
        throw new StoreException.Conflict("an event id of the batch already exists");
      }
      throw e;
    }
    if (rows == 0) {
      reserve(tx, sessionId, 0, fence);
      throw Appender.noSession(sessionId);
    }
    List<StoredEvent> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      EventDraft d = drafts.get(i);
      Instant at = d.processedAt() == null ? null : Timestamps.truncate(d.processedAt());
      out.add(new StoredEvent(sessionId, first + i, d.id(), d.type(), d.payload(), now, at));
    }
    return out;
  }

  /**
   * Bumps each session's {@code last_seq} once for all of its works and inserts every event, in one
   * statement. Works of a session with different fences cannot share a bump; such a group goes work
   * by work.
   */
  @Override
  public List<List<StoredEvent>> appendAll(Tx tx, List<AppendWork> works, Instant now)
      throws SQLException {
    Map<String, Bump> bumps = new LinkedHashMap<>();
    int total = 0;
    for (AppendWork w : works) {
      Bump b = bumps.computeIfAbsent(w.sessionId(), id -> new Bump(w.fence()));
      if (!Objects.equals(b.fence, w.fence())) {
        return Appender.super.appendAll(tx, works, now);
      }
      b.count += w.drafts().size();
      total += w.drafts().size();
    }
    if (works.size() == 1) {
      return Appender.super.appendAll(tx, works, now);
    }
    String[] sessions = bumps.keySet().toArray(new String[0]);
    Long[] counts = new Long[sessions.length];
    Long[] fences = new Long[sessions.length];
    for (int i = 0; i < sessions.length; i++) {
      Bump b = bumps.get(sessions[i]);
      counts[i] = b.count;
      fences[i] = b.fence;
      b.count = 0;
    }
    String[] eventSessions = new String[total];
    Long[] offsets = new Long[total];
    String[] ids = new String[total];
    String[] types = new String[total];
    String[] payloads = new String[total];
    Long[] processed = new Long[total];
    int k = 0;
    for (AppendWork w : works) {
      Bump b = bumps.get(w.sessionId());
      for (EventDraft d : w.drafts()) {
        eventSessions[k] = w.sessionId();
        offsets[k] = ++b.count;
        ids[k] = d.id();
        types[k] = d.type();
        payloads[k] = d.payload();
        processed[k] = Rows.micros(d.processedAt());
        k++;
      }
    }
    PreparedStatement ps = tx.prepare(APPEND_ALL);
    ps.setArray(1, tx.array("text", sessions));
    ps.setArray(2, tx.array("bigint", counts));
    ps.setArray(3, tx.array("bigint", fences));
    ps.setLong(4, Timestamps.toMicros(now));
    ps.setArray(5, tx.array("text", eventSessions));
    ps.setArray(6, tx.array("bigint", offsets));
    ps.setArray(7, tx.array("text", ids));
    ps.setArray(8, tx.array("text", types));
    ps.setArray(9, tx.array("text", payloads));
    ps.setArray(10, tx.array("bigint", processed));
    Map<String, Long> first = new HashMap<>();
    int rows = 0;
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        first.merge(rs.getString(1), rs.getLong(2), Math::min);
        rows++;
      }
    } catch (SQLException e) {
      if (tx.dialect().isUniqueViolation(e)) {
        throw new StoreException.Conflict("an event id of the batch already exists");
      }
      throw e;
    }
    if (rows != total) {
      // A session is gone or its lease moved on; the writer's replay finds which append failed.
      throw new StoreException("a grouped append missed a session");
    }
    List<List<StoredEvent>> out = new ArrayList<>(works.size());
    Map<String, Long> next = new HashMap<>(first);
    for (AppendWork w : works) {
      long seq = next.get(w.sessionId());
      out.add(AppendWork.number(w.sessionId(), seq, w.drafts(), now));
      next.put(w.sessionId(), seq + w.drafts().size());
    }
    return out;
  }

  /** How many numbers a group takes from one session, under which fence. */
  private static final class Bump {
    final Long fence;
    long count;

    Bump(Long fence) {
      this.fence = fence;
    }
  }

  @Override
  public long reserve(Tx tx, String sessionId, int count, Long fence) throws SQLException {
    var last =
        fence == null
            ? tx.one(BUMP + " RETURNING last_seq", rs -> rs.getLong(1), count, sessionId)
            : tx.one(
                BUMP + FENCE + " RETURNING last_seq", rs -> rs.getLong(1), count, sessionId, fence);
    if (last.isPresent()) {
      return last.get() - count + 1;
    }
    if (fence != null && tx.exists("SELECT 1 FROM sessions WHERE id = ?", sessionId)) {
      throw Appender.stale(sessionId);
    }
    throw Appender.noSession(sessionId);
  }

  @Override
  public void forget(Tx tx, String sessionId) {}
}
