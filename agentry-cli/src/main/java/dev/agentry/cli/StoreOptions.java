package dev.agentry.cli;

import dev.agentry.server.ServerConfig;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where the store is, as {@code serve} finds it: options override the environment. */
final class StoreOptions {
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
}
