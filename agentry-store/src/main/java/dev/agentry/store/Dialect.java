package dev.agentry.store;

import dev.agentry.core.StoreException;
import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** What differs between the SQL of SQLite and PostgreSQL, once the schema is the same. */
enum Dialect {
  SQLITE("db/migration/sqlite", "", ""),
  POSTGRESQL("db/migration/postgresql", " FOR UPDATE", " FOR UPDATE SKIP LOCKED");

  private final String migrations;
  private final String forUpdate;
  private final String skipLocked;

  Dialect(String migrations, String forUpdate, String skipLocked) {
    this.migrations = migrations;
    this.forUpdate = forUpdate;
    this.skipLocked = skipLocked;
  }

  String migrations() {
    return "classpath:" + migrations;
  }

  /**
   * The row-lock suffix of a read-modify-write; SQLite's single writer needs none because nothing
   * else writes between the read and the write.
   */
  String forUpdate() {
    return forUpdate;
  }

  /**
   * The row-lock suffix of a claim: rows another transaction holds are passed over rather than
   * waited for, so nodes claiming at once each get different rows and none waits on another.
   */
  String skipLocked() {
    return skipLocked;
  }

  /** Whether {@code e}, or a failure it chains (as batch failures do), is a uniqueness clash. */
  boolean isUniqueViolation(SQLException e) {
    for (Throwable t = e; t != null; t = next(t)) {
      if (t instanceof SQLException se && isOwnUniqueViolation(se)) {
        return true;
      }
    }
    return false;
  }

  private static Throwable next(Throwable t) {
    if (t instanceof SQLException se && se.getNextException() != null) {
      return se.getNextException();
    }
    return t.getCause() == t ? null : t.getCause();
  }

  private boolean isOwnUniqueViolation(SQLException e) {
    return switch (this) {
      case SQLITE ->
          e instanceof SQLiteException se
              && (se.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                  || se.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY);
      case POSTGRESQL -> "23505".equals(e.getSQLState());
    };
  }

  /**
   * Wraps a driver failure; the message names only the operation and error codes because driver
   * messages may quote the values that were written.
   */
  static StoreException wrap(String operation, SQLException e) {
    String message =
        operation + " failed (SQLState " + e.getSQLState() + ", code " + e.getErrorCode() + ")";
    return unreachable(e)
        ? new StoreException.Unavailable(message, e)
        : new StoreException(message, e);
  }

  /**
   * Whether the database could not be reached rather than refused the statement: the pool timed out
   * waiting for a connection, a connection failed or was cut (SQLState class 08), or the server is
   * shutting down or starting (57P01-57P03).
   */
  static boolean unreachable(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.sql.SQLTransientConnectionException
          || t instanceof java.sql.SQLNonTransientConnectionException
          || t instanceof java.net.SocketException
          || t instanceof java.io.EOFException) {
        return true;
      }
      if (t instanceof SQLException s && s.getSQLState() != null) {
        String state = s.getSQLState();
        if (state.startsWith("08") || state.startsWith("57P0")) {
          return true;
        }
      }
    }
    return false;
  }
}
