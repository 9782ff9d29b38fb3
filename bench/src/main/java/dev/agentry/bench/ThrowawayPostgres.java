package dev.agentry.bench;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;

/**
 * A PostgreSQL database made for one benchmark run and dropped afterwards, on the server named by
 * {@code AGENTRY_BENCH_PG_URL} (default: the local server with role {@code agentry}).
 */
final class ThrowawayPostgres implements AutoCloseable {
  static final String DEFAULT_URL =
      "jdbc:postgresql://127.0.0.1:5432/postgres?user=agentry&password=agentry";

  private final String adminUrl;
  private final String name;
  private final String jdbcUrl;

  ThrowawayPostgres() {
    String fromEnv = System.getenv("AGENTRY_BENCH_PG_URL");
    adminUrl = fromEnv == null || fromEnv.isBlank() ? DEFAULT_URL : fromEnv;
    byte[] random = new byte[6];
    new SecureRandom().nextBytes(random);
    name = "agentry_bench_" + HexFormat.of().formatHex(random);
    execute("CREATE DATABASE " + name);
    int query = adminUrl.indexOf('?');
    String base = query < 0 ? adminUrl : adminUrl.substring(0, query);
    String params = query < 0 ? "" : adminUrl.substring(query);
    int slash = base.indexOf('/', "jdbc:postgresql://".length());
    jdbcUrl = (slash < 0 ? base : base.substring(0, slash)) + "/" + name + params;
  }

  String jdbcUrl() {
    return jdbcUrl;
  }

  /** The server's version and its durability settings, for the report. */
  String describeServer() {
    try (Connection c = DriverManager.getConnection(adminUrl);
        Statement s = c.createStatement()) {
      StringBuilder out = new StringBuilder();
      try (ResultSet rs = s.executeQuery("SHOW server_version")) {
        rs.next();
        out.append("PostgreSQL ").append(rs.getString(1));
      }
      for (String setting : new String[] {"fsync", "synchronous_commit", "wal_sync_method"}) {
        try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
          rs.next();
          out.append(", ").append(setting).append('=').append(rs.getString(1));
        }
      }
      return out.toString();
    } catch (SQLException e) {
      return "PostgreSQL (version unknown: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  private void execute(String sql) {
    try (Connection c = DriverManager.getConnection(adminUrl);
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL is not usable: " + e.getMessage(), e);
    }
  }
}
