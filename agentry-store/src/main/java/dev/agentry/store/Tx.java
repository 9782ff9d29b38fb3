package dev.agentry.store;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection in use by one read or one writer batch. Statements are cached because the writer
 * runs the same few statements thousands of times a second. Callbacks registered by a task run once
 * the batch's fate is known: {@code onCommit} after a commit, {@code onRollback} (newest first) if
 * the task's savepoint or the whole batch was rolled back.
 */
final class Tx {
  private static final Logger LOG = LoggerFactory.getLogger(Tx.class);
  private static final int MAX_STATEMENTS = 128;

  private final Connection connection;
  private final Map<String, PreparedStatement> statements;
  private final Dialect dialect;
  private final List<Runnable> taskCommit = new ArrayList<>();
  private final List<Runnable> taskRollback = new ArrayList<>();
  private final List<Runnable> batchCommit = new ArrayList<>();
  private final List<Runnable> batchRollback = new ArrayList<>();
  private final List<String> taskNotices = new ArrayList<>();
  private final List<String> batchNotices = new ArrayList<>();

  Tx(Connection connection, Map<String, PreparedStatement> statements, Dialect dialect) {
    this.connection = connection;
    this.statements = statements;
    this.dialect = dialect;
  }

  Dialect dialect() {
    return dialect;
  }

  void onCommit(Runnable action) {
    taskCommit.add(action);
  }

  void onRollback(Runnable action) {
    taskRollback.add(action);
  }

  /**
   * Queues a {@code NOTIFY} on {@code channel} for when the batch is about to commit (see {@link
   * #sendNotices}); dropped with the task if the task fails. PostgreSQL only.
   */
  void notice(String payload) {
    taskNotices.add(payload);
  }

  /**
   * Sends the batch's notices, all in one statement, just before its commit: PostgreSQL delivers
   * them to listeners when, and only if, the transaction commits, and in commit order.
   */
  void sendNotices(String channel) throws SQLException {
    if (batchNotices.isEmpty()) {
      return;
    }
    PreparedStatement ps = prepare("SELECT pg_notify(?, p) FROM unnest(?::text[]) AS p");
    ps.setString(1, channel);
    ps.setArray(2, array("text", batchNotices.toArray()));
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        // pg_notify returns void: the rows only have to be read
      }
    }
    batchNotices.clear();
  }

  PreparedStatement prepare(String sql) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps == null && statements.size() >= MAX_STATEMENTS) {
      // Listings with IN lists of varying length make new SQL; start over rather than grow.
      closeStatements();
    }
    if (ps == null || ps.isClosed()) {
      ps = connection.prepareStatement(sql);
      statements.put(sql, ps);
    }
    return ps;
  }

  Array array(String sqlType, Object[] values) throws SQLException {
    return connection.createArrayOf(sqlType, values);
  }

  int update(String sql, Object... params) throws SQLException {
    PreparedStatement ps = prepare(sql);
    bind(ps, params);
    return ps.executeUpdate();
  }

  <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) throws SQLException {
    PreparedStatement ps = prepare(sql);
    bind(ps, params);
    List<T> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(mapper.map(rs));
      }
    }
    return out;
  }

  <T> Optional<T> one(String sql, RowMapper<T> mapper, Object... params) throws SQLException {
    List<T> rows = query(sql, mapper, params);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  boolean exists(String sql, Object... params) throws SQLException {
    return !query(sql, rs -> Boolean.TRUE, params).isEmpty();
  }

  static void bind(PreparedStatement ps, Object... params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      Object p = params[i];
      switch (p) {
        case null -> ps.setNull(i + 1, Types.NULL);
        case String s -> ps.setString(i + 1, s);
        case Long l -> ps.setLong(i + 1, l);
        case Integer n -> ps.setInt(i + 1, n);
        case byte[] b -> ps.setBytes(i + 1, b);
        default -> throw new IllegalArgumentException("cannot bind " + p.getClass().getName());
      }
    }
  }

  void taskDone(boolean succeeded) {
    if (succeeded) {
      batchCommit.addAll(taskCommit);
      batchRollback.addAll(taskRollback);
      batchNotices.addAll(taskNotices);
    } else {
      runNewestFirst(taskRollback);
    }
    taskCommit.clear();
    taskRollback.clear();
    taskNotices.clear();
  }

  void batchDone(boolean committed) {
    if (committed) {
      for (Runnable r : batchCommit) {
        runQuietly(r);
      }
    } else {
      runNewestFirst(batchRollback);
    }
    batchCommit.clear();
    batchRollback.clear();
    batchNotices.clear();
  }

  /** Closes the statements unless the owner keeps them for the next batch. */
  void closeStatements() {
    for (PreparedStatement ps : statements.values()) {
      try {
        ps.close();
      } catch (SQLException e) {
        LOG.debug("closing a statement failed", e);
      }
    }
    statements.clear();
  }

  private static void runNewestFirst(List<Runnable> actions) {
    for (int i = actions.size() - 1; i >= 0; i--) {
      runQuietly(actions.get(i));
    }
  }

  private static void runQuietly(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.error("a post-transaction action failed", e);
    }
  }
}
