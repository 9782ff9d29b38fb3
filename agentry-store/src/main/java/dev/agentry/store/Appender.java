package dev.agentry.store;

import dev.agentry.core.EventDraft;
import dev.agentry.core.StoreException;
import dev.agentry.core.StoredEvent;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/** Numbers events and writes them to a session's log, inside a write transaction. */
interface Appender {

  /**
   * Appends {@code drafts} (at least one) after the session's last event, stamped {@code now}.
   *
   * @throws StoreException.NotFound if the session does not exist
   * @throws StoreException.StaleFence if {@code fence} is not the session's lease token
   */
  default List<StoredEvent> append(
      Tx tx, String sessionId, List<EventDraft> drafts, Long fence, Instant now)
      throws SQLException {
    long first = reserve(tx, sessionId, drafts.size(), fence);
    return SqlEvents.insert(tx, sessionId, first, drafts, now);
  }

  /**
   * Reserves {@code count} consecutive numbers after the session's last one and returns the first.
   *
   * @param fence the lease token the append must carry, or null for an unfenced append
   * @throws StoreException.NotFound if the session does not exist
   * @throws StoreException.StaleFence if {@code fence} is not the session's lease token
   */
  long reserve(Tx tx, String sessionId, int count, Long fence) throws SQLException;

  /** The session was deleted in this transaction. */
  void forget(Tx tx, String sessionId);

  static StoreException.NotFound noSession(String sessionId) {
    return new StoreException.NotFound("no session " + sessionId);
  }

  static StoreException.StaleFence stale(String sessionId) {
    return new StoreException.StaleFence("the lease of session " + sessionId + " has moved on");
  }
}
