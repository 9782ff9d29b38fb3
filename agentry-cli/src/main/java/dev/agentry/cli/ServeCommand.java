package dev.agentry.cli;

import dev.agentry.server.AgentryServer;
import dev.agentry.server.ServerConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code agentry serve}: options override the {@code AGENTRY_*} environment variables. */
@Command(name = "serve", description = "Start the Agentry server.", mixinStandardHelpOptions = true)
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--port", description = "Port (env AGENTRY_PORT, default 8080; 0 picks one).")
  Integer port;

  @Option(names = "--host", description = "Bind address (env AGENTRY_HOST, default 127.0.0.1).")
  String host;

  @Option(
      names = "--data-dir",
      description = "Data directory (env AGENTRY_DATA_DIR, default ./data).")
  Path dataDir;

  @Option(
      names = "--database-url",
      description = "jdbc:postgresql://… (env AGENTRY_DATABASE_URL; unset = embedded SQLite).")
  String databaseUrl;

  @Option(
      names = "--api-key",
      description =
          "Pin one admin API key (env AGENTRY_API_KEY; unset = generated at first start).")
  String apiKey;

  @Option(
      names = "--max-body-bytes",
      description = "Largest request body accepted (env AGENTRY_MAX_BODY_BYTES, default 33554432).")
  Long maxBodyBytes;

  @Override
  public Integer call() throws InterruptedException {
    ServerConfig config;
    try {
      ServerConfig.Builder b = ServerConfig.builder(System.getenv());
      if (port != null) {
        b.port(port);
      }
      if (host != null) {
        b.host(host);
      }
      if (dataDir != null) {
        b.dataDir(dataDir);
      }
      if (databaseUrl != null) {
        b.databaseUrl(databaseUrl.isBlank() ? null : databaseUrl);
      }
      if (apiKey != null) {
        b.apiKey(apiKey);
      }
      if (maxBodyBytes != null) {
        b.maxBodyBytes(maxBodyBytes);
      }
      config = b.build();
    } catch (IllegalArgumentException e) {
      System.err.println("agentry: invalid configuration: " + e.getMessage());
      return 2;
    }
    AgentryServer server;
    try {
      server = AgentryServer.start(config);
    } catch (IllegalArgumentException e) {
      System.err.println("agentry: cannot start: " + e.getMessage());
      return 2;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }
}
