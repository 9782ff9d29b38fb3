package dev.agentry.store;

import dev.agentry.core.AppendHook;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * Where a store keeps its data: either a SQLite file in {@code dataDir} ({@code jdbcUrl} null) or a
 * PostgreSQL database ({@code jdbcUrl} starting with {@code jdbc:postgresql:}; credentials may be
 * given as the {@code user} and {@code password} query parameters). {@code clock} stamps events'
 * {@code created_at}; {@code appendHook} sees every event written.
 */
public record StoreConfig(String jdbcUrl, Path dataDir, Clock clock, AppendHook appendHook) {
  private static final String PG_PREFIX = "jdbc:postgresql:";

  public StoreConfig {
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(appendHook, "appendHook");
    if (jdbcUrl == null) {
      Objects.requireNonNull(dataDir, "dataDir (needed when there is no jdbcUrl)");
    } else if (!jdbcUrl.startsWith(PG_PREFIX)) {
      throw new IllegalArgumentException("only jdbc:postgresql: URLs are supported");
    }
  }

  /** A SQLite store in {@code <dataDir>/agentry.db}; the directory is created if missing. */
  public static StoreConfig sqlite(Path dataDir) {
    return new StoreConfig(null, dataDir, Clock.systemUTC(), AppendHook.NONE);
  }

  /** A PostgreSQL store. */
  public static StoreConfig postgres(String jdbcUrl) {
    return new StoreConfig(
        Objects.requireNonNull(jdbcUrl, "jdbcUrl"), null, Clock.systemUTC(), AppendHook.NONE);
  }

  public StoreConfig withClock(Clock clock) {
    return new StoreConfig(jdbcUrl, dataDir, clock, appendHook);
  }

  /** The same store, with {@code hook} seeing every event written. */
  public StoreConfig withAppendHook(AppendHook hook) {
    return new StoreConfig(jdbcUrl, dataDir, clock, hook);
  }

  boolean isPostgres() {
    return jdbcUrl != null;
  }

  /**
   * The URL without credentials or parameters, e.g. {@code postgresql://host:5432/agentry}, safe to
   * log.
   */
  String describePostgres() {
    String rest = jdbcUrl.substring("jdbc:".length());
    int query = rest.indexOf('?');
    if (query >= 0) {
      rest = rest.substring(0, query);
    }
    int at = rest.lastIndexOf('@');
    return at >= 0 ? "postgresql://" + rest.substring(at + 1) : rest;
  }
}
