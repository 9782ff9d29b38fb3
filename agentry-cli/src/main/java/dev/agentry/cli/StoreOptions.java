package dev.agentry.cli;

import dev.agentry.core.Store;
import dev.agentry.server.Admin;
import dev.agentry.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where the store is, as {@code serve} finds it: options override the environment. */
final class StoreOptions {
  /** The SQLite file {@code serve} keeps in its data directory. */
  static final String SQLITE_FILE = "agentry.db";

  @Option(
      names = "--data-dir",
      description = "Data directory (env AGENTRY_DATA_DIR, default ./data).")
  Path dataDir;

  @Option(
      names = "--database-url",
      description = "jdbc:postgresql://… (env AGENTRY_DATABASE_URL; unset = embedded SQLite).")
  String databaseUrl;

  ServerConfig config(Map<String, String> env) {
    ServerConfig.Builder b = ServerConfig.builder(env);
    if (dataDir != null) {
      b.dataDir(dataDir);
    }
    if (databaseUrl != null) {
      b.databaseUrl(databaseUrl.isBlank() ? null : databaseUrl);
    }
    return b.build();
  }

  /**
   * Opens the store of {@code config}. A mistyped data directory must not quietly become a new,
   * empty installation: with SQLite the directory must exist, and when {@code databaseMustExist}
   * (every command but {@code keys create} and {@code workspaces create}, which may provision a
   * fresh directory before the first {@code serve}) so must its database.
   */
  static Store open(ServerConfig config, boolean databaseMustExist, String agentry) {
    if (config.database().isEmpty()) {
      Path dir = config.dataDir().toAbsolutePath().normalize();
      String hint =
          " (check --data-dir / AGENTRY_DATA_DIR; `"
              + agentry
              + " serve --data-dir "
              + config.dataDir()
              + "` makes a new one)";
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException("no data directory " + dir + hint);
      }
      if (databaseMustExist && !Files.isRegularFile(dir.resolve(SQLITE_FILE))) {
        throw new IllegalArgumentException(
            dir + " holds no Agentry database (" + SQLITE_FILE + ")" + hint);
      }
    }
    return Admin.openStore(config);
  }
}
