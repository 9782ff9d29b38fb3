package dev.agentry.store;

import java.sql.SQLException;

/**
 * PostgreSQL's allocator: bumping {@code sessions.last_seq} takes the session row's lock until
 * commit, which serialises appenders to one session across connections and nodes, so numbers have
 * neither gaps nor duplicates.
 */
final class RowLockSeqAllocator implements SeqAllocator {
  @Override
  public long reserve(Tx tx, String sessionId, int count, Long fence) throws SQLException {
    var last =
        fence == null
            ? tx.one(
                "UPDATE sessions SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq",
                rs -> rs.getLong(1),
                count,
                sessionId)
            : tx.one(
                "UPDATE sessions SET last_seq = last_seq + ? WHERE id = ? AND lease_token = ?"
                    + " RETURNING last_seq",
                rs -> rs.getLong(1),
                count,
                sessionId,
                fence);
    if (last.isPresent()) {
      return last.get() - count + 1;
    }
    if (fence != null && tx.exists("SELECT 1 FROM sessions WHERE id = ?", sessionId)) {
      throw SeqAllocator.stale(sessionId);
    }
    throw SeqAllocator.noSession(sessionId);
  }

  @Override
  public void forget(Tx tx, String sessionId) {}
}
