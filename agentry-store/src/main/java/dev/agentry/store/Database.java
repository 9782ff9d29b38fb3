package dev.agentry.store;

import dev.agentry.core.Timestamps;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One opened database: reads go to a pool, writes to the group-commit writers. A write keyed by a
 * session always goes to the same writer, so a session's writes commit (and publish) in order and
 * two writers never contend for a session's rows; unkeyed writes all go to the first writer.
 */
final class Database implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  private final Dialect dialect;
  private final Clock clock;
  private final DataSource reads;
  private final List<Writer> writers;
  private final List<AutoCloseable> resources;
  private final Appender appender;
  private final String description;

  /** SQLite only: the statements kept per raw read connection ({@link #readStatements}). */
  private final Map<Connection, Map<String, PreparedStatement>> readStatements =
      new IdentityHashMap<>();

  Database(
      Dialect dialect,
      Clock clock,
      DataSource reads,
      List<Writer> writers,
      Appender appender,
      String description,
      List<AutoCloseable> resources) {
    this.dialect = dialect;
    this.clock = clock;
    this.reads = reads;
    this.writers = List.copyOf(writers);
    this.appender = appender;
    this.description = description;
    this.resources = List.copyOf(resources);
  }

  <T> T read(SqlWork<T> work) {
    try (Connection c = reads.getConnection()) {
      if (dialect == Dialect.SQLITE) {
        Connection raw = c.unwrap(Connection.class);
        return work.run(new Tx(raw, readStatements(raw), dialect));
      }
      Tx tx = new Tx(c, new HashMap<>(), dialect);
      try {
        return work.run(tx);
      } finally {
        tx.closeStatements();
      }
    } catch (SQLException e) {
      throw Dialect.wrap("read", e);
    }
  }

  /**
   * The statements kept for a pooled SQLite read connection: a harness step makes the same few
   * reads, and SQLite parsing their SQL again was a tenth of the store's CPU. Prepared on the raw
   * connection, which the pool keeps open across borrowers (its proxy would close them at each
   * return); a borrower has the connection to itself, and closing a result set resets its
   * statement, so a kept statement holds no read snapshot. Connections the pool closed are dropped.
   */
  private Map<String, PreparedStatement> readStatements(Connection raw) throws SQLException {
    synchronized (readStatements) {
      Map<String, PreparedStatement> kept = readStatements.get(raw);
      if (kept == null) {
        for (var it = readStatements.keySet().iterator(); it.hasNext(); ) {
          if (it.next().isClosed()) {
            it.remove();
          }
        }
        kept = new HashMap<>();
        readStatements.put(raw, kept);
      }
      return kept;
    }
  }

  /**
   * Runs {@code work} in a transaction of its own on PostgreSQL, outside the writers' batches, so
   * that the row locks it takes are held only for its own statements and a failure of it never
   * replays anyone else's write. SQLite has one writer: there it is a {@link #write}.
   */
  <T> T transact(SqlWork<T> work) {
    if (dialect == Dialect.SQLITE) {
      return write(null, work);
    }
    try (Connection c = reads.getConnection()) {
      c.setAutoCommit(false);
      Tx tx = new Tx(c, new HashMap<>(), dialect);
      try {
        T result = work.run(tx);
        // Its notices (a queued work item's) go with its commit, as a write batch's do.
        tx.taskDone(true);
        tx.sendNotices(PostgresFeed.CHANNEL);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        tx.closeStatements();
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw Dialect.wrap("transaction", e);
    }
  }

  /** Runs {@code work} in the next write batch; {@code sessionId} may be null. */
  <T> T write(String sessionId, SqlWork<T> work) {
    int shard = sessionId == null ? 0 : Math.floorMod(sessionId.hashCode(), writers.size());
    return writers.get(shard).submit(work);
  }

  /** Now, at the precision the store keeps. */
  Instant now() {
    return Timestamps.truncate(clock.instant());
  }

  Appender appender() {
    return appender;
  }

  String description() {
    return description;
  }

  @Override
  public void close() {
    writers.forEach(Writer::close);
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        LOG.warn("closing {} failed", description, e);
      }
    }
  }
}
