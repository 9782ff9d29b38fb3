package dev.agentry.store;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SQLite's appender: the single writer is the only one that appends, so the last seq of each
 * session it has touched lives in memory and an append needs no query to number its events. The
 * cache changes as soon as a task assigns numbers; a rollback of that task or of its batch undoes
 * the change, so the cache always matches what is (or is about to be) committed.
 */
final class SqliteAppender implements Appender {
  private static final int CAPACITY = 100_000;

  private final Map<String, Long> last =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
          return size() > CAPACITY;
        }
      };

  @Override
  public long reserve(Tx tx, String sessionId, int count, Long fence) throws SQLException {
    if (fence != null) {
      long token =
          tx.one("SELECT lease_token FROM sessions WHERE id = ?", rs -> rs.getLong(1), sessionId)
              .orElseThrow(() -> Appender.noSession(sessionId));
      if (token != fence) {
        throw Appender.stale(sessionId);
      }
    }
    Long known = last.get(sessionId);
    long current =
        known != null
            ? known
            : tx.one(
                    "SELECT (SELECT coalesce(max(seq), 0) FROM events WHERE session_id = s.id)"
                        + " FROM sessions s WHERE s.id = ?",
                    rs -> rs.getLong(1),
                    sessionId)
                .orElseThrow(() -> Appender.noSession(sessionId));
    last.put(sessionId, current + count);
    tx.onRollback(() -> restore(sessionId, known));
    return current + 1;
  }

  @Override
  public void forget(Tx tx, String sessionId) {
    Long known = last.remove(sessionId);
    tx.onRollback(() -> restore(sessionId, known));
  }

  private void restore(String sessionId, Long value) {
    if (value == null) {
      last.remove(sessionId);
    } else {
      last.put(sessionId, value);
    }
  }
}
