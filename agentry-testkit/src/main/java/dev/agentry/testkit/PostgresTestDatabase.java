package dev.agentry.testkit;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A throwaway PostgreSQL database: {@link #create()} makes {@code agentry_test_<random>} on the
 * server named by {@code AGENTRY_TEST_PG_URL} (default: a local server with role {@code agentry})
 * and returns its JDBC URL; {@link #close()} drops it. An unreachable server is an error, not a
 * reason to skip: CI guarantees PostgreSQL runs.
 *
 * <p>As a JUnit extension ({@code @RegisterExtension static final PostgresTestDatabase DB = new
 * PostgresTestDatabase();}) it creates the database before the class's tests and drops it after.
 */
public final class PostgresTestDatabase
    implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
  public static final String URL_VARIABLE = "AGENTRY_TEST_PG_URL";
  public static final String DEFAULT_URL =
      "jdbc:postgresql://127.0.0.1:5432/postgres?user=agentry&password=agentry";

  private final String adminUrl;
  private String name;
  private String jdbcUrl;

  public PostgresTestDatabase() {
    String fromEnv = System.getenv(URL_VARIABLE);
    this.adminUrl = fromEnv == null || fromEnv.isBlank() ? DEFAULT_URL : fromEnv;
  }

  /** Creates the database and returns its JDBC URL (with the admin URL's parameters). */
  public String create() {
    if (jdbcUrl != null) {
      return jdbcUrl;
    }
    byte[] random = new byte[6];
    new SecureRandom().nextBytes(random);
    String db = "agentry_test_" + HexFormat.of().formatHex(random);
    execute("CREATE DATABASE " + db);
    name = db;
    jdbcUrl = withDatabase(adminUrl, db);
    return jdbcUrl;
  }

  /** The URL {@link #create()} returned. */
  public String jdbcUrl() {
    if (jdbcUrl == null) {
      throw new IllegalStateException("create() first");
    }
    return jdbcUrl;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    create();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /** Drops the database, disconnecting whoever still uses it. */
  @Override
  public void close() {
    if (name != null) {
      execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      name = null;
      jdbcUrl = null;
    }
  }

  static String withDatabase(String url, String database) {
    int query = url.indexOf('?');
    String base = query < 0 ? url : url.substring(0, query);
    String params = query < 0 ? "" : url.substring(query);
    int slash = base.indexOf('/', "jdbc:postgresql://".length());
    String server = slash < 0 ? base : base.substring(0, slash);
    return server + "/" + database + params;
  }

  private void execute(String sql) {
    try (Connection c = DriverManager.getConnection(adminUrl);
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "PostgreSQL for tests is not usable (" + URL_VARIABLE + "): " + e.getMessage(), e);
    }
  }
}
