package dev.agentry.store;

import dev.agentry.core.EventDraft;
import dev.agentry.core.StoreException;
import dev.agentry.core.StoredEvent;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
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
   * Appends the drafts of each work (none empty), in order, and returns each work's events. This
   * numbers every work, then writes all their events with as few statements as it can; a failure
   * fails the whole group (the writer then replays the works one by one to find the culprit).
   */
  default List<List<StoredEvent>> appendAll(Tx tx, List<AppendWork> works, Instant now)
      throws SQLException {
    if (works.size() == 1) {
      AppendWork w = works.get(0);
      return List.of(append(tx, w.sessionId(), w.drafts(), w.fence(), now));
    }
    List<List<StoredEvent>> out = new ArrayList<>(works.size());
    List<StoredEvent> rows = new ArrayList<>();
    for (AppendWork w : works) {
      long first = reserve(tx, w.sessionId(), w.drafts().size(), w.fence());
      List<StoredEvent> events = AppendWork.number(w.sessionId(), first, w.drafts(), now);
      out.add(events);
      rows.addAll(events);
    }
    SqlEvents.insertRows(tx, rows);
    return out;
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
