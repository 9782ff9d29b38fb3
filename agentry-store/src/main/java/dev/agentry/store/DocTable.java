package dev.agentry.store;

import dev.agentry.core.Page;
import dev.agentry.core.PageRequest;
import dev.agentry.core.StoreException;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A table of resources kept as a JSON body plus the columns that listings filter and sort on
 * ({@code id} first, then {@code created_at}, {@code archived_at} among the others). Every write
 * rewrites all columns from the record, so body and columns cannot drift apart.
 */
final class DocTable<T> {
  private final String kind;
  private final String table;
  private final List<String> columns;
  private final Function<T, Object[]> values;
  private final Function<T, String> idOf;
  private final String select;
  private final RowMapper<T> mapper;

  DocTable(
      String kind,
      String table,
      List<String> columns,
      Function<T, Object[]> values,
      Function<T, String> idOf,
      String selectColumns,
      RowMapper<T> mapper) {
    this.kind = kind;
    this.table = table;
    this.columns = List.copyOf(columns);
    this.values = values;
    this.idOf = idOf;
    this.select = "SELECT " + selectColumns + " FROM " + table + " WHERE 1 = 1";
    this.mapper = mapper;
  }

  /** Inserts and returns the row as stored (instants at store precision). */
  T insert(Tx tx, T value) throws SQLException {
    String marks = String.join(", ", columns.stream().map(c -> "?").toList());
    String sql =
        "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES (" + marks + ")";
    write(tx, sql, values.apply(value));
    return find(tx, idOf.apply(value), false).orElseThrow();
  }

  /**
   * Inserts into {@code workspaceId} (the table has a {@code workspace_id} column, which updates
   * never rewrite) and returns the row as stored.
   */
  T insert(Tx tx, String workspaceId, T value) throws SQLException {
    String marks = String.join(", ", columns.stream().map(c -> "?").toList());
    String sql =
        "INSERT INTO "
            + table
            + " ("
            + String.join(", ", columns)
            + ", workspace_id) VALUES ("
            + marks
            + ", ?)";
    Object[] row = values.apply(value);
    Object[] params = java.util.Arrays.copyOf(row, row.length + 1);
    params[row.length] = workspaceId;
    write(tx, sql, params);
    return find(tx, idOf.apply(value), false).orElseThrow();
  }

  /** The row, if it belongs to {@code workspaceId}. */
  Optional<T> find(Tx tx, String workspaceId, String id) throws SQLException {
    return tx.one(select + " AND workspace_id = ? AND id = ?", mapper, workspaceId, id);
  }

  Optional<T> find(Tx tx, String id, boolean lock) throws SQLException {
    String suffix = lock ? tx.dialect().forUpdate() : "";
    return tx.one(select + " AND id = ?" + suffix, mapper, id);
  }

  /** Applies {@code change} to the stored row, rewrites it and returns it as stored. */
  T update(Tx tx, String id, UnaryOperator<T> change) throws SQLException {
    rewrite(tx, id, change);
    return find(tx, id, false).orElseThrow();
  }

  /**
   * Applies {@code change} to the stored row and rewrites it unless it is unchanged. Returns the
   * changed value without reading it back, so its instants may be finer than the stored ones.
   */
  T rewrite(Tx tx, String id, UnaryOperator<T> change) throws SQLException {
    return rewrite(tx, id, find(tx, id, true).orElseThrow(() -> notFound(id)), change);
  }

  /** As {@link #rewrite(Tx, String, UnaryOperator)}, from the row the caller read and locked. */
  T rewrite(Tx tx, String id, T current, UnaryOperator<T> change) throws SQLException {
    T next = change.apply(current);
    if (!id.equals(idOf.apply(next))) {
      throw new IllegalArgumentException("an update cannot change the " + kind + " id");
    }
    if (next.equals(current)) {
      return next;
    }
    String sets = String.join(" = ?, ", columns.subList(1, columns.size())) + " = ?";
    Object[] row = values.apply(next);
    Object[] params = new Object[row.length];
    System.arraycopy(row, 1, params, 0, row.length - 1);
    params[row.length - 1] = id;
    write(tx, "UPDATE " + table + " SET " + sets + " WHERE id = ?", params);
    return next;
  }

  boolean delete(Tx tx, String id) throws SQLException {
    return tx.update("DELETE FROM " + table + " WHERE id = ?", id) > 0;
  }

  /** A query over the table's rows, to narrow with filters and hand to {@link #list}. */
  Query select(Object... params) {
    return new Query(select, params);
  }

  Page<T> list(Tx tx, Query query, PageRequest page) throws SQLException {
    return Keyset.resource("").page(tx, query, page, mapper);
  }

  StoreException.NotFound notFound(String id) {
    return new StoreException.NotFound("no " + kind + " " + id);
  }

  private void write(Tx tx, String sql, Object[] params) throws SQLException {
    try {
      tx.update(sql, params);
    } catch (SQLException e) {
      if (tx.dialect().isUniqueViolation(e)) {
        throw new StoreException.Conflict("the " + kind + " clashes with an existing one");
      }
      throw e;
    }
  }
}
