package dev.agentry.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentry.core.Store;
import dev.agentry.core.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** Opens stores: the only entry point of this module. */
public final class Stores {
  private static final int SQLITE_READERS = 4;
  private static final int SQLITE_BATCH = 1024;
  private static final int PG_WRITERS = 4;
  private static final int PG_READERS = 12;
  private static final int PG_BATCH = 256;

  private Stores() {}

  /**
   * Opens the store {@code config} names, bringing its schema up to date first.
   *
   * @throws StoreException if the database cannot be opened or migrated
   */
  public static Store open(StoreConfig config) {
    if (config.isPostgres()) {
      return SqlStore.shared(openPostgres(config), config.appendHook(), config.jdbcUrl());
    }
    return new SqlStore(openSqlite(config), config.appendHook());
  }

  /**
   * Proves that no other live process runs as {@code nodeId} on the database {@code config} names,
   * and holds that proof until closed or until this process dies (never longer: a restart after a
   * kill is never refused). PostgreSQL: an advisory lock on a connection of its own; SQLite: an OS
   * lock on {@code node.lock} in the data directory, which only one process can use anyway.
   *
   * @throws StoreException saying which node id is taken and what to do, if another process holds
   *     it
   */
  public static AutoCloseable lockNode(StoreConfig config, String nodeId) {
    return NodeLock.acquire(config, nodeId);
  }

  static Database openSqlite(StoreConfig config) {
    Path file;
    try {
      Path dir = Files.createDirectories(config.dataDir().toAbsolutePath());
      file = dir.resolve("agentry.db");
    } catch (IOException e) {
      throw new StoreException("cannot create the data directory " + config.dataDir(), e);
    }
    SQLiteConfig sqlite = new SQLiteConfig();
    sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
    // FULL makes every commit fsync the WAL: a write that returned survives a power cut.
    sqlite.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    sqlite.setBusyTimeout(10_000);
    sqlite.enforceForeignKeys(true);
    SQLiteDataSource source = new SQLiteDataSource(sqlite);
    source.setUrl("jdbc:sqlite:" + file);
    migrate(source, Dialect.SQLITE);
    HikariConfig reads = new HikariConfig();
    reads.setDataSource(source);
    reads.setPoolName("agentry-sqlite-read");
    reads.setMaximumPoolSize(SQLITE_READERS);
    HikariDataSource pool = new HikariDataSource(reads);
    Writer writer =
        new Writer(
            "agentry-sqlite-writer",
            source::getConnection,
            Dialect.SQLITE,
            SQLITE_BATCH,
            false,
            true);
    return new Database(
        Dialect.SQLITE,
        config.clock(),
        pool,
        List.of(writer),
        new SqliteAppender(),
        "sqlite:" + file,
        List.of(pool));
  }

  /** How long a caller waits for a PostgreSQL connection before the database counts as down. */
  static final java.time.Duration PG_CONNECTION_WAIT = java.time.Duration.ofMillis(1000);

  /** How long a transaction may sit idle before PostgreSQL ends it (see openPostgres). */
  static final java.time.Duration PG_IDLE_IN_TRANSACTION = java.time.Duration.ofSeconds(5);

  private static Database openPostgres(StoreConfig config) {
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(config.jdbcUrl());
    hikari.setPoolName("agentry-pg");
    // The writers hold a connection each; the rest serve reads.
    hikari.setMaximumPoolSize(PG_WRITERS + PG_READERS);
    boundWaits(hikari);
    // A node paused inside a transaction (SIGSTOP, a long GC pause, a frozen VM) would hold its
    // row locks for as long as it is paused, and the other nodes' claims skip locked rows, so its
    // sessions could not be taken over. Agentry's transactions never wait on anything but the
    // database, so one idle this long belongs to a paused process: the server ends it and frees
    // its locks (the paused node's commit then fails, and its lease has moved on anyway).
    hikari.addDataSourceProperty(
        "options", "-c idle_in_transaction_session_timeout=" + PG_IDLE_IN_TRANSACTION.toMillis());
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(hikari);
    } catch (RuntimeException e) {
      throw new StoreException("cannot connect to " + config.describePostgres(), e);
    }
    try {
      migrate(pool, Dialect.POSTGRESQL);
    } catch (StoreException e) {
      pool.close();
      throw e;
    }
    Writer[] writers = new Writer[PG_WRITERS];
    for (int i = 0; i < writers.length; i++) {
      writers[i] =
          new Writer(
              "agentry-pg-writer-" + i,
              pool::getConnection,
              Dialect.POSTGRESQL,
              PG_BATCH,
              false,
              false);
    }
    return new Database(
        Dialect.POSTGRESQL,
        config.clock(),
        pool,
        List.of(writers),
        new PostgresAppender(),
        config.describePostgres(),
        List.of(pool));
  }

  /**
   * A database outage is answered within about a second, not after HikariCP's and the driver's
   * defaults (30 s to get a connection, no bound on connecting): a caller waiting for a connection
   * gives up after {@link #PG_CONNECTION_WAIT}, a connection attempt after {@code connectTimeout},
   * and a statement on a connection that went silent (a partition that drops packets) after {@code
   * socketTimeout}, which stays long enough for the slowest legitimate statement (a migration). A
   * value set in the JDBC URL wins: the driver reads the URL's over these.
   */
  private static void boundWaits(HikariConfig hikari) {
    hikari.setConnectionTimeout(PG_CONNECTION_WAIT.toMillis());
    hikari.setValidationTimeout(PG_CONNECTION_WAIT.toMillis());
    hikari.addDataSourceProperty("connectTimeout", "1");
    hikari.addDataSourceProperty("loginTimeout", "2");
    hikari.addDataSourceProperty("socketTimeout", "60");
    hikari.addDataSourceProperty("tcpKeepAlive", "true");
  }

  private static void migrate(DataSource source, Dialect dialect) {
    try {
      Flyway.configure().dataSource(source).locations(dialect.migrations()).load().migrate();
    } catch (FlywayException e) {
      throw new StoreException("migrating the schema failed", e);
    }
  }
}
