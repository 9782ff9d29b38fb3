package dev.agentry.store;

import dev.agentry.core.ResourceFilter;
import dev.agentry.core.TimeRange;
import dev.agentry.core.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/** A SELECT whose WHERE clause grows by conjunctions, with its parameters alongside. */
final class Query {
  private final StringBuilder sql;
  private final List<Object> params = new ArrayList<>();

  /** {@code select} must end in a WHERE clause (e.g. {@code WHERE 1 = 1}) so that ANDs follow. */
  Query(String select, Object... params) {
    this.sql = new StringBuilder(select);
    Collections.addAll(this.params, params);
  }

  Query and(String condition, Object... values) {
    sql.append(" AND ").append(condition);
    Collections.addAll(params, values);
    return this;
  }

  /** Restricts {@code column} to {@code values}; an empty collection means no restriction. */
  Query in(String column, Collection<?> values) {
    if (values.isEmpty()) {
      return this;
    }
    sql.append(" AND ").append(column).append(" IN (");
    for (int i = 0; i < values.size(); i++) {
      sql.append(i == 0 ? "?" : ", ?");
    }
    sql.append(')');
    params.addAll(values);
    return this;
  }

  /** Bounds a micros column; rows where it is null never match a bounded range. */
  Query range(String column, TimeRange range) {
    bound(column, " > ", range.gt());
    bound(column, " >= ", range.gte());
    bound(column, " < ", range.lt());
    bound(column, " <= ", range.lte());
    return this;
  }

  /** The filters all resource listings share, on tables whose key columns have {@code prefix}. */
  Query resource(String prefix, ResourceFilter filter) {
    if (!filter.includeArchived()) {
      and(prefix + "archived_at IS NULL");
    }
    return range(prefix + "created_at", filter.createdAt());
  }

  private void bound(String column, String op, Instant value) {
    if (value != null) {
      and(column + op + "?", Timestamps.toMicros(value));
    }
  }

  String sql() {
    return sql.toString();
  }

  Object[] params(Object... more) {
    List<Object> all = new ArrayList<>(params);
    Collections.addAll(all, more);
    return all.toArray();
  }
}
