package dev.agentry.store;

import dev.agentry.core.EventDraft;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.Timestamps;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One append call, as a write task. The writer runs consecutive appends of a batch as one group
 * ({@link Appender#appendAll}), so a batch of single-event appends costs a statement or two, not a
 * statement per call; each call still gets its own events back and its own publication.
 *
 * @param drafts the admitted drafts; empty only to check that the session exists (and the fence)
 * @param fence the lease token the append must carry, or null
 */
record AppendWork(Database db, EventHub hub, String sessionId, List<EventDraft> drafts, Long fence)
    implements SqlWork<List<StoredEvent>> {

  @Override
  public List<StoredEvent> run(Tx tx) throws SQLException {
    if (drafts.isEmpty()) {
      db.appender().reserve(tx, sessionId, 0, fence);
      return List.of();
    }
    return runAll(tx, List.of(this)).get(0);
  }

  /** Whether {@code next} may run in one group with this append. */
  boolean groupsWith(AppendWork next) {
    return db == next.db && !drafts.isEmpty() && !next.drafts.isEmpty();
  }

  /**
   * Appends every work's drafts, in order, stamped with one {@code now}; each work's events are
   * published once the batch commits.
   */
  static List<List<StoredEvent>> runAll(Tx tx, List<AppendWork> works) throws SQLException {
    Database db = works.get(0).db();
    Instant now = db.now();
    List<List<StoredEvent>> out = db.appender().appendAll(tx, works, now);
    for (int i = 0; i < works.size(); i++) {
      AppendWork work = works.get(i);
      List<StoredEvent> events = out.get(i);
      work.hub().publishOnCommit(tx, work.sessionId(), events);
    }
    return out;
  }

  /** The events {@code drafts} become as seq {@code first}, {@code first + 1}, … of the session. */
  static List<StoredEvent> number(
      String sessionId, long first, List<EventDraft> drafts, Instant now) {
    List<StoredEvent> out = new ArrayList<>(drafts.size());
    for (EventDraft d : drafts) {
      Instant processed = d.processedAt() == null ? null : Timestamps.truncate(d.processedAt());
      out.add(
          new StoredEvent(
              sessionId, first + out.size(), d.id(), d.type(), d.payload(), now, processed));
    }
    return out;
  }
}
