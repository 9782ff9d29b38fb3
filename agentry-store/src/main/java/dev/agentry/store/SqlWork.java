package dev.agentry.store;

import java.sql.SQLException;

/** A unit of database work run against a {@link Tx}. */
@FunctionalInterface
interface SqlWork<T> {
  T run(Tx tx) throws SQLException;
}
