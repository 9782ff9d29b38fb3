package dev.agentry.store;

import dev.agentry.core.Timestamps;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/** Conversions between nullable instants and the micros columns that hold them. */
final class Rows {
  private Rows() {}

  static Instant instant(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : Timestamps.fromMicros(v);
  }

  static Long micros(Instant instant) {
    return instant == null ? null : Timestamps.toMicros(instant);
  }
}
