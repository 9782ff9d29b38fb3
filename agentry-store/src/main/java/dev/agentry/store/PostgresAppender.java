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
import java.util.List;

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
