package dev.agentry.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Instant resume after a restart ({@code nodes} case): a real server process runs {@code
 * bench.nodes.sessions} sessions (default 1,000), each in the middle of a model request (a scripted
 * model that answers after ten minutes), is killed with SIGKILL and started again on the same data
 * directory, and so the same node id, with the default 30 s lease TTL. Measured: from the restarted
 * server answering {@code /healthz} until every session runs again (its runner has closed the cut
 * request's span and issued the request anew: a second {@code span.model_request_start} in its
 * log), read from the database every 20 ms. SQLite and PostgreSQL ({@code bench.nodes.backends},
 * default {@code sqlite,postgres}).
 */
final class RestartBench {
  private static final String KEY = "sk-agentry-bench-0123456789abcdef";
  private static final String RESUMED =
      "SELECT COUNT(*) FROM (SELECT session_id FROM events WHERE type = 'span.model_request_start'"
          + " GROUP BY session_id HAVING COUNT(*) >= ?) started";

  private final int sessions;
  private final PrintStream out;
  private final HttpClient http = HttpClient.newHttpClient();

  RestartBench(int sessions, PrintStream out) {
    this.sessions = sessions;
    this.out = out;
  }

  void run() throws Exception {
    out.printf(
        Locale.ROOT,
        "%n## Restart: %d sessions mid-request, kill -9, restart, all running again%n",
        sessions);
    String backends = System.getProperty("bench.nodes.backends", "sqlite,postgres");
    if (backends.contains("sqlite")) {
      runOn(null);
    }
    if (backends.contains("postgres")) {
      try (ThrowawayPostgres pg = new ThrowawayPostgres()) {
        runOn(pg.jdbcUrl());
      }
    }
  }

  private void runOn(String pgUrl) throws Exception {
    String name = pgUrl == null ? "sqlite" : "postgres";
    Path dir = TempDirs.create("agentry-bench-restart-");
    Process server = null;
    try {
      Path scripts = Files.createDirectories(dir.resolve("scripts"));
      Path script = scripts.resolve("slow.json");
      Files.writeString(
          script,
          "{\"turns\":[{\"content\":[{\"type\":\"text\",\"text\":\"late\"}],"
              + "\"delay_ms\":600000}]}");
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Path data = dir.resolve("data");
      String jdbc = pgUrl == null ? "jdbc:sqlite:" + data.resolve("agentry.db") : pgUrl;
      server = start(dir, data, scripts, port, pgUrl);
      awaitHealthy(port);
      String agent =
          id(
              post(
                  port,
                  "/v1/agents",
                  "{\"name\":\"r\",\"model\":\"scripted:" + script + "\",\"tools\":[]}"));
      String env = id(post(port, "/v1/environments", "{\"name\":\"r\"}"));
      long made = System.nanoTime();
      startSessions(port, agent, env);
      awaitCount(jdbc, 1, Duration.ofMinutes(5));
      out.printf(
          Locale.ROOT,
          "%s: %d sessions created and mid-request in %.1f s%n",
          name,
          sessions,
          (System.nanoTime() - made) / 1e9);

      server.destroyForcibly();
      server.waitFor();
      long restarted = System.nanoTime();
      server = start(dir, data, scripts, port, pgUrl);
      awaitHealthy(port);
      long healthy = System.nanoTime();
      long half = 0;
      long all = 0;
      long deadline = healthy + Duration.ofSeconds(120).toNanos();
      while (System.nanoTime() < deadline) {
        long n = count(jdbc, 2);
        long now = System.nanoTime();
        if (half == 0 && n >= sessions / 2) {
          half = now;
        }
        if (n >= sessions) {
          all = now;
          break;
        }
        Thread.sleep(20);
      }
      out.printf(
          Locale.ROOT,
          "%s: restart to healthy %.2f s; healthy to half running again %.2f s, to all %s"
              + " (lease TTL 30 s; %s running on the node after)%n",
          name,
          (healthy - restarted) / 1e9,
          half == 0 ? Double.NaN : (half - healthy) / 1e9,
          all == 0
              ? "NOT within 120 s"
              : String.format(Locale.ROOT, "%.2f s", (all - healthy) / 1e9),
          metric(port));
    } finally {
      if (server != null) {
        server.destroyForcibly();
        server.waitFor();
      }
      String keep = System.getProperty("bench.nodes.log");
      if (keep != null) {
        Files.copy(
            dir.resolve("server.log"),
            Path.of(keep + "-" + name + ".log"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      TempDirs.delete(dir);
    }
  }

  private Process start(Path dir, Path data, Path scripts, int port, String pgUrl)
      throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                NodeProcess.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()));
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("AGENTRY_") || k.startsWith("ANTHROPIC_"));
    env.put("AGENTRY_PORT", Integer.toString(port));
    env.put("AGENTRY_DATA_DIR", data.toString());
    env.put("AGENTRY_API_KEY", KEY);
    env.put("AGENTRY_SCRIPTS_DIR", scripts.toString());
    env.put("AGENTRY_LOG_LEVEL", System.getProperty("bench.nodes.log") == null ? "WARN" : "INFO");
    if (pgUrl != null) {
      env.put("AGENTRY_DATABASE_URL", pgUrl);
    }
    return pb.start();
  }

  private void startSessions(int port, String agent, String env) throws Exception {
    Semaphore inFlight = new Semaphore(32);
    List<Future<?>> done = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < sessions; i++) {
        inFlight.acquire();
        done.add(
            pool.submit(
                () -> {
                  try {
                    String s =
                        id(
                            post(
                                port,
                                "/v1/sessions",
                                "{\"agent\":\""
                                    + agent
                                    + "\",\"environment_id\":\""
                                    + env
                                    + "\"}"));
                    post(
                        port,
                        "/v1/sessions/" + s + "/events",
                        "{\"events\":[{\"type\":\"user.message\",\"content\":"
                            + "[{\"type\":\"text\",\"text\":\"go\"}]}]}");
                    return null;
                  } finally {
                    inFlight.release();
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
  }

  private void awaitCount(String jdbc, int starts, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (count(jdbc, starts) < sessions) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("sessions did not start within " + within);
      }
      Thread.sleep(50);
    }
  }

  /** Sessions with at least {@code starts} model request spans. */
  private long count(String jdbc, int starts) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbc);
        var ps = c.prepareStatement(RESUMED)) {
      ps.setInt(1, starts);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private String metric(int port) {
    try {
      String body = get(port, "/metrics");
      Matcher m =
          Pattern.compile("(?m)^agentry_node_sessions_running\\{[^}]*} ([0-9.]+)").matcher(body);
      return m.find() ? m.group(1) : "?";
    } catch (Exception e) {
      return "?";
    }
  }

  private void awaitHealthy(int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                        .build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(10);
    }
    throw new IllegalStateException("the server did not start");
  }

  private String get(int port, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("x-api-key", KEY)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private String post(int port, String path, String body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("x-api-key", KEY)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(path + ": " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  private static String id(String json) {
    Matcher m = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no id in " + json);
    }
    return m.group(1);
  }
}
