package dev.agentry.store;

import dev.agentry.core.Page;
import dev.agentry.core.PageKey;
import dev.agentry.core.PageRequest;
import dev.agentry.core.SortOrder;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Keyset paging over a sort key of one column ({@code seq}, {@code version}) or of {@code
 * (created_at, id)}. A backward page scans the other way from the key and is reversed, so it is
 * still returned in listing order. Fetching one row more than the limit tells whether the scan
 * could go on; a probe on the other side of the key tells whether anything lies there.
 */
final class Keyset {
  private final String primary;
  private final String id;

  private Keyset(String primary, String id) {
    this.primary = primary;
    this.id = id;
  }

  static Keyset resource(String prefix) {
    return new Keyset(prefix + "created_at", prefix + "id");
  }

  static Keyset single(String column) {
    return new Keyset(column, null);
  }

  <T> Page<T> page(Tx tx, Query query, PageRequest req, RowMapper<T> mapper) throws SQLException {
    boolean ascending = (req.order() == SortOrder.ASC) != req.backward();
    PageKey key = req.after();
    String dir = ascending ? " ASC" : " DESC";
    String order = " ORDER BY " + primary + dir + (id == null ? "" : ", " + id + dir);
    String sql = query.sql();
    Object[] params;
    if (key == null) {
      params = query.params(req.limit() + 1);
    } else {
      sql += " AND " + compare(ascending ? ">" : "<");
      params = query.params(keyParams(key, req.limit() + 1));
    }
    List<T> rows = new ArrayList<>(tx.query(sql + order + " LIMIT ?", mapper, params));
    boolean more = rows.size() > req.limit();
    if (more) {
      rows.remove(rows.size() - 1);
    }
    boolean behind =
        key != null
            && tx.exists(
                query.sql() + " AND " + compare(ascending ? "<=" : ">=") + " LIMIT 1",
                query.params(keyParams(key)));
    if (req.backward()) {
      Collections.reverse(rows);
      return new Page<>(rows, behind, more);
    }
    return new Page<>(rows, more, behind);
  }

  private String compare(String op) {
    return id == null
        ? primary + " " + op + " ?"
        : "(" + primary + ", " + id + ") " + op + " (?, ?)";
  }

  private Object[] keyParams(PageKey key, Object... more) {
    List<Object> out = new ArrayList<>();
    out.add(key.primary());
    if (id != null) {
      out.add(key.id() == null ? "" : key.id());
    }
    Collections.addAll(out, more);
    return out.toArray();
  }
}
