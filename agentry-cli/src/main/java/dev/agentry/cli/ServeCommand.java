package dev.agentry.cli;

import dev.agentry.core.StoreException;
import dev.agentry.server.AgentryServer;
import dev.agentry.server.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code agentry serve}: options override the {@code AGENTRY_*} environment variables. */
@Command(name = "serve", description = "Start the Agentry server.", mixinStandardHelpOptions = true)
final class ServeCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

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
    PrintWriter err = spec.commandLine().getErr();
    try {
      return serve(err);
    } finally {
      err.flush();
    }
  }

  private int serve(PrintWriter err) throws InterruptedException {
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
      err.println("agentry: invalid configuration: " + e.getMessage());
      return 2;
    }
    String busy = portTaken(config, Main.command(spec));
    if (busy != null) {
      err.println("agentry: cannot listen on " + busy);
      return 1;
    }
    AgentryServer server;
    try {
      server = AgentryServer.start(config);
    } catch (IllegalArgumentException e) {
      err.println("agentry: cannot start: " + e.getMessage());
      return 2;
    } catch (StoreException e) {
      err.println("agentry: cannot start: " + e.getMessage());
      return 1;
    }
    if (server.port() < 0) {
      // The web server logs its own failure and reports no port rather than throwing.
      server.close();
      err.println("agentry: cannot listen on " + config.host() + ":" + config.port());
      return 1;
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

  /**
   * Why the configured address cannot be listened on (e.g. another server has the port), checked
   * before anything starts so that the answer is one line, not the web server's stack trace; null
   * when it is free (or picked by the system).
   */
  static String portTaken(ServerConfig config, String agentry) {
    if (config.port() == 0) {
      return null;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(config.host(), config.port()));
      return null;
    } catch (BindException e) {
      return config.host()
          + ":"
          + config.port()
          + ": the port is in use (another `"
          + agentry
          + " serve`? pick one with --port)";
    } catch (IOException e) {
      return config.host() + ":" + config.port() + ": " + Problems.describe(e);
    }
  }
}
