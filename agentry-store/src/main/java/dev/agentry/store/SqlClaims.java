package dev.agentry.store;

import dev.agentry.core.SessionRepository.Lease;
import dev.agentry.core.Timestamps;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The sweep's side of the sessions table: which sessions need a runner and have none, claimed in
 * one short transaction. On PostgreSQL the candidate rows are locked with {@code SKIP LOCKED}, so
 * nodes sweeping at once split the work instead of queueing behind one another; on SQLite the
 * single writer serialises claims, and the conditional update is the whole guard.
 */
final class SqlClaims {
  /**
   * Running or rescheduling (a runner died with its node, or gave the lease back on shutdown), or
   * open with queued events. Both halves are indexed (V6): by status, and the partial index of
   * unprocessed events.
   */
  private static final String RUNNABLE =
      "(status IN ('running', 'rescheduling') OR (status <> 'terminated' AND id IN"
          + " (SELECT session_id FROM events WHERE processed_at IS NULL)))";

  /** No live lease of anyone else: free, expired, or the claimer's own (after its restart). */
  private static final String CLAIMABLE =
      "(lease_owner IS NULL OR lease_owner = ? OR lease_expires_at IS NULL"
          + " OR lease_expires_at <= ?)";

  private record Candidate(String id, String owner, long token) {
    /** The owner whose expired lease a claim by {@code claimer} takes over; null if none. */
    String takenBy(String claimer) {
      return owner == null || owner.equals(claimer) ? null : owner;
    }
  }

  private final Database db;

  SqlClaims(Database db) {
    this.db = db;
  }

  List<Lease> claim(String owner, Instant now, Duration ttl, int limit, Set<String> skip) {
    if (limit <= 0) {
      return List.of();
    }
    long nowMicros = Timestamps.toMicros(now);
    Instant expires = Timestamps.truncate(now.plus(ttl));
    long expiresMicros = Timestamps.toMicros(expires);
    return db.transact(
        tx -> {
          List<Candidate> candidates =
              tx.query(
                  "SELECT id, lease_owner, lease_token FROM sessions WHERE "
                      + RUNNABLE
                      + " AND "
                      + CLAIMABLE
                      + " LIMIT ?"
                      + tx.dialect().skipLocked(),
                  rs -> new Candidate(rs.getString(1), rs.getString(2), rs.getLong(3)),
                  owner,
                  nowMicros,
                  (long) limit + skip.size());
          List<Candidate> chosen = new ArrayList<>();
          for (Candidate c : candidates) {
            if (chosen.size() == limit) {
              break;
            }
            if (!skip.contains(c.id())) {
              chosen.add(c);
            }
          }
          if (tx.dialect() == Dialect.POSTGRESQL) {
            return claimAll(tx, chosen, owner, nowMicros, expires);
          }
          List<Lease> claimed = new ArrayList<>();
          for (Candidate c : chosen) {
            long token = owner.equals(c.owner()) ? c.token() : c.token() + 1;
            int updated =
                tx.update(
                    "UPDATE sessions SET lease_owner = ?, lease_token = ?, lease_expires_at = ?"
                        + " WHERE id = ? AND lease_token = ? AND "
                        + CLAIMABLE,
                    owner,
                    token,
                    expiresMicros,
                    c.id(),
                    c.token(),
                    owner,
                    nowMicros);
            if (updated == 1) {
              claimed.add(new Lease(c.id(), owner, token, expires, c.takenBy(owner)));
            }
          }
          return claimed;
        });
  }

  /**
   * PostgreSQL: the chosen rows (locked by the select) in one statement, not one round trip each:
   * after a restart a node claims its thousand sessions in one go.
   */
  private static List<Lease> claimAll(
      Tx tx, List<Candidate> chosen, String owner, long nowMicros, Instant expires)
      throws SQLException {
    if (chosen.isEmpty()) {
      return List.of();
    }
    PreparedStatement ps =
        tx.prepare(
            "UPDATE sessions SET lease_owner = ?, lease_expires_at = ?,"
                + " lease_token = CASE WHEN lease_owner = ? THEN lease_token"
                + " ELSE lease_token + 1 END"
                + " WHERE id = ANY(?) AND "
                + CLAIMABLE
                + " RETURNING id, lease_token");
    Tx.bind(ps, owner, Timestamps.toMicros(expires), owner);
    ps.setArray(4, tx.array("text", chosen.stream().map(Candidate::id).toArray()));
    ps.setString(5, owner);
    ps.setLong(6, nowMicros);
    // The select locked the chosen rows, so the owner it read is the one this update replaces.
    Map<String, Candidate> byId = new HashMap<>();
    chosen.forEach(c -> byId.put(c.id(), c));
    List<Lease> claimed = new ArrayList<>(chosen.size());
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String id = rs.getString(1);
        claimed.add(new Lease(id, owner, rs.getLong(2), expires, byId.get(id).takenBy(owner)));
      }
    }
    return claimed;
  }

  Optional<Lease> renew(Lease lease, Instant now, Duration ttl) {
    Instant expires = Timestamps.truncate(now.plus(ttl));
    int updated =
        db.write(
            lease.sessionId(),
            tx ->
                tx.update(
                    "UPDATE sessions SET lease_expires_at = ?"
                        + " WHERE id = ? AND lease_owner = ? AND lease_token = ?",
                    Timestamps.toMicros(expires),
                    lease.sessionId(),
                    lease.owner(),
                    lease.token()));
    return updated == 1
        ? Optional.of(new Lease(lease.sessionId(), lease.owner(), lease.token(), expires))
        : Optional.empty();
  }
}
