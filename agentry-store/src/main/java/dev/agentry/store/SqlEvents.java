package dev.agentry.store;

import dev.agentry.core.EventDraft;
import dev.agentry.core.EventQuery;
import dev.agentry.core.EventStore;
import dev.agentry.core.Page;
import dev.agentry.core.StoreException;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.TimeRange;
import dev.agentry.core.Timestamps;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** The event log on either database; numbering is the {@link Appender}'s job. */
final class SqlEvents implements EventStore {
  static final String COLUMNS = "session_id, seq, id, type, payload, created_at, processed_at";
  static final RowMapper<StoredEvent> EVENT =
      rs ->
          new StoredEvent(
              rs.getString(1),
              rs.getLong(2),
              rs.getString(3),
              rs.getString(4),
              rs.getString(5),
              Timestamps.fromMicros(rs.getLong(6)),
              Rows.instant(rs, 7));

  /** Rows per multi-row INSERT, largest first; a batch is cut into chunks of these sizes. */
  private static final int[] CHUNKS = {64, 16, 4, 1};

  private static final String[] INSERTS = new String[CHUNKS.length];

  static {
    for (int c = 0; c < CHUNKS.length; c++) {
      StringBuilder sql = new StringBuilder("INSERT INTO events (" + COLUMNS + ") VALUES ");
      for (int r = 0; r < CHUNKS[c]; r++) {
        sql.append(r == 0 ? "" : ", ").append("(?, ?, ?, ?, ?, ?, ?)");
      }
      INSERTS[c] = sql.toString();
    }
  }

  private final Database db;
  private final EventHub hub;

  SqlEvents(Database db, EventHub hub) {
    this.db = db;
    this.hub = hub;
  }

  @Override
  public List<StoredEvent> append(String sessionId, List<EventDraft> drafts) {
    return append(sessionId, drafts, null);
  }

  @Override
  public List<StoredEvent> append(String sessionId, List<EventDraft> drafts, long fence) {
    return append(sessionId, drafts, Long.valueOf(fence));
  }

  private List<StoredEvent> append(String sessionId, List<EventDraft> drafts, Long fence) {
    List<EventDraft> batch = hub.admit(sessionId, drafts);
    return db.write(sessionId, new AppendWork(db, hub, sessionId, batch, fence));
  }

  /** Inserts drafts as seq {@code first}, {@code first + 1}, … of the session. */
  static List<StoredEvent> insert(
      Tx tx, String sessionId, long first, List<EventDraft> drafts, Instant now)
      throws SQLException {
    List<StoredEvent> events = AppendWork.number(sessionId, first, drafts, now);
    insertRows(tx, events);
    return events;
  }

  /**
   * Inserts {@code events} with multi-row INSERTs of a few fixed sizes (so their statements stay
   * cached): one round trip, or one statement step, per chunk instead of per event.
   */
  static void insertRows(Tx tx, List<StoredEvent> events) throws SQLException {
    int done = 0;
    try {
      while (done < events.size()) {
        int c = 0;
        while (CHUNKS[c] > events.size() - done) {
          c++;
        }
        PreparedStatement ps = tx.prepare(INSERTS[c]);
        int p = 1;
        for (StoredEvent e : events.subList(done, done + CHUNKS[c])) {
          ps.setString(p++, e.sessionId());
          ps.setLong(p++, e.seq());
          ps.setString(p++, e.id());
          ps.setString(p++, e.type());
          ps.setString(p++, e.payload());
          ps.setLong(p++, Timestamps.toMicros(e.createdAt()));
          if (e.processedAt() == null) {
            ps.setNull(p++, Types.BIGINT);
          } else {
            ps.setLong(p++, Timestamps.toMicros(e.processedAt()));
          }
        }
        ps.executeUpdate();
        done += CHUNKS[c];
      }
    } catch (SQLException e) {
      if (tx.dialect().isUniqueViolation(e)) {
        throw new StoreException.Conflict("an event id of the batch already exists");
      }
      throw e;
    }
  }

  @Override
  public Page<StoredEvent> list(String sessionId, EventQuery query) {
    TimeRange processed = query.processedAt() == null ? TimeRange.ALL : query.processedAt();
    return db.read(
        tx ->
            Keyset.single("seq")
                .page(
                    tx,
                    new Query("SELECT " + COLUMNS + " FROM events WHERE session_id = ?", sessionId)
                        .in("type", query.types())
                        .range("processed_at", processed),
                    query.page(),
                    EVENT));
  }

  @Override
  public List<StoredEvent> readAfter(String sessionId, long afterSeq, int limit) {
    return readAfter(db, sessionId, afterSeq, limit);
  }

  /** The log's reads that an {@link EventHub} needs, before any {@code SqlEvents} exists. */
  static SequencedFanout.Log log(Database db) {
    return new SequencedFanout.Log() {
      @Override
      public List<StoredEvent> readAfter(String sessionId, long afterSeq, int limit) {
        return SqlEvents.readAfter(db, sessionId, afterSeq, limit);
      }

      @Override
      public long lastSeq(String sessionId) {
        return SqlEvents.lastSeq(db, sessionId);
      }
    };
  }

  private static List<StoredEvent> readAfter(
      Database db, String sessionId, long afterSeq, int limit) {
    return db.read(
        tx ->
            tx.query(
                "SELECT "
                    + COLUMNS
                    + " FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                EVENT,
                sessionId,
                afterSeq,
                limit));
  }

  @Override
  public Optional<StoredEvent> find(String sessionId, String eventId) {
    return db.read(
        tx ->
            tx.one(
                "SELECT " + COLUMNS + " FROM events WHERE session_id = ? AND id = ?",
                EVENT,
                sessionId,
                eventId));
  }

  @Override
  public long lastSeq(String sessionId) {
    return lastSeq(db, sessionId);
  }

  private static long lastSeq(Database db, String sessionId) {
    return db.read(
        tx ->
            tx.one(
                    "SELECT coalesce(max(seq), 0) FROM events WHERE session_id = ?",
                    rs -> rs.getLong(1),
                    sessionId)
                .orElse(0L));
  }

  @Override
  public List<StoredEvent> markProcessed(
      String sessionId, Collection<String> eventIds, Instant at) {
    if (eventIds.isEmpty()) {
      return List.of();
    }
    return db.write(sessionId, tx -> markProcessed(tx, sessionId, eventIds, at));
  }

  /** Sets {@code processed_at} where it is unset; returns the changed events in seq order. */
  static List<StoredEvent> markProcessed(
      Tx tx, String sessionId, Collection<String> eventIds, Instant at) throws SQLException {
    if (eventIds.isEmpty()) {
      return List.of();
    }
    Query update =
        new Query(
                "UPDATE events SET processed_at = ? WHERE session_id = ? AND processed_at IS NULL",
                Timestamps.toMicros(at),
                sessionId)
            .in("id", List.copyOf(eventIds));
    List<StoredEvent> changed =
        new ArrayList<>(tx.query(update.sql() + " RETURNING " + COLUMNS, EVENT, update.params()));
    changed.sort(Comparator.comparingLong(StoredEvent::seq));
    return changed;
  }

  @Override
  public Subscription subscribe(String sessionId, Consumer<StoredEvent> listener) {
    return hub.subscribe(sessionId, listener);
  }
}
