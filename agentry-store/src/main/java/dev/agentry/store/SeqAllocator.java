package dev.agentry.store;

import dev.agentry.core.StoreException;
import java.sql.SQLException;

/** Hands out a session's next {@code seq} numbers inside a write transaction. */
interface SeqAllocator {

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
