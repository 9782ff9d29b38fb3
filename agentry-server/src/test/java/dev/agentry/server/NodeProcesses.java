package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Agentry nodes as real processes (so a test can SIGKILL one), each with its own data directory and
 * port, on the database the test names; their model is a scripted replay, the same for every
 * session, so each session follows the script on whichever node runs it.
 */
final class NodeProcesses implements AutoCloseable {
  /** One node: its process, port and data directory. */
  record Node(String name, Process process, int port, Path dataDir) {
    void kill9() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor();
    }

    /** Lines the node's side-effecting bash steps wrote in {@code session}'s workspace here. */
    long runs(String session) throws IOException {
      return lines(session, "runs.txt").size();
    }

    /** The lines of {@code file} in this node's copy of {@code session}'s workspace, if any. */
    List<String> lines(String session, String file) throws IOException {
      Path path = dataDir.resolve("workspaces").resolve(session).resolve(file);
      try {
        return Files.readAllLines(path);
      } catch (java.nio.file.NoSuchFileException e) {
        return List.of();
      }
    }

    /** Sends the process a signal ({@code STOP}, {@code CONT}), as an operator's kill would. */
    void signal(String name) throws IOException, InterruptedException {
      Process kill =
          new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new IllegalStateException("kill -" + name + " failed");
      }
    }
  }

  private final Path root;
  private final String databaseUrl;
  private final Path script;
  private final List<Process> started = new ArrayList<>();
  final HttpClient http = HttpClient.newHttpClient();

  /**
   * @param databaseUrl a PostgreSQL URL, or null for SQLite in each node's data directory
   * @param bashCommand the scripted agent's one bash step, before it answers "finished"
   */
  NodeProcesses(Path root, String databaseUrl, String bashCommand) throws IOException {
    this(root, databaseUrl, List.of(bashCommand));
  }

  /**
   * @param databaseUrl a PostgreSQL URL, or null for SQLite in each node's data directory
   * @param bashSteps the scripted agent's bash steps, one model turn each, before it answers
   *     "finished"
   */
  NodeProcesses(Path root, String databaseUrl, List<String> bashSteps) throws IOException {
    this.root = root;
    this.databaseUrl = databaseUrl;
    Path scripts = Files.createDirectories(root.resolve("scripts"));
    this.script = scripts.resolve("bash-then-text.json");
    StringBuilder turns = new StringBuilder();
    for (String command : bashSteps) {
      turns
          .append("{\"content\":[{\"type\":\"tool_use\",\"name\":\"bash\",\"input\":")
          .append("{\"command\":")
          .append(Json.mapper().writeValueAsString(command))
          .append("}}]},");
    }
    Files.writeString(
        script,
        "{\"turns\":[" + turns + "{\"content\":[{\"type\":\"text\",\"text\":\"finished\"}]}]}");
  }

  /** Starts a node and waits until it is healthy; {@code extraEnv} adds or overrides keys. */
  Node start(String name, Map<String, String> extraEnv) throws Exception {
    Process p = launch(name, extraEnv);
    Node node = new Node(name, p, port(extraEnv), root.resolve(name));
    awaitHealthy(node);
    return node;
  }

  /** Starts a node's process without waiting for it (it may be refused). */
  Process launch(String name, Map<String, String> extraEnv) throws IOException {
    Path dataDir = Files.createDirectories(root.resolve(name));
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                ServerProcessMain.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(dataDir.resolve("server.log").toFile()));
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("AGENTRY_") || k.startsWith("ANTHROPIC_"));
    env.put("AGENTRY_DATA_DIR", dataDir.toString());
    env.put("AGENTRY_API_KEY", TestServer.KEY);
    env.put("AGENTRY_LEASE_TTL_MS", "1500");
    env.put("AGENTRY_SCRIPTS_DIR", script.getParent().toString());
    if (databaseUrl != null) {
      env.put("AGENTRY_DATABASE_URL", databaseUrl);
    }
    env.putAll(extraEnv);
    Process p = pb.start();
    started.add(p);
    return p;
  }

  /** What {@link #inParallel} runs for each index. */
  @FunctionalInterface
  interface IndexedCall {
    void run(int i) throws Exception;
  }

  /**
   * Runs {@code call} for every index below {@code n}, at most {@code parallel} at once; rethrows
   * the first failure once all have ended.
   */
  static void inParallel(int n, int parallel, IndexedCall call) throws Exception {
    try (ExecutorService pool = Executors.newFixedThreadPool(parallel)) {
      List<Future<?>> calls = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        calls.add(
            pool.submit(
                () -> {
                  call.run(index);
                  return null;
                }));
      }
      for (Future<?> f : calls) {
        try {
          f.get();
        } catch (ExecutionException e) {
          throw e.getCause() instanceof Exception x ? x : new IllegalStateException(e.getCause());
        }
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static int port(Map<String, String> env) {
    return Integer.parseInt(env.get("AGENTRY_PORT"));
  }

  static Map<String, String> env(int port, String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("AGENTRY_PORT", Integer.toString(port));
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  void awaitHealthy(Node node) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!node.process().isAlive()) {
        throw new AssertionError(node.name() + " exited: " + log(node.name()));
      }
      try {
        if (call(node, "GET", "/healthz", null).statusCode() == 200) {
          return;
        }
      } catch (RuntimeException e) {
        // not yet
      }
      Thread.sleep(50);
    }
    throw new AssertionError(node.name() + " did not become healthy");
  }

  String log(String name) throws IOException {
    Path file = root.resolve(name).resolve("server.log");
    return Files.exists(file) ? Files.readString(file) : "";
  }

  /** An agent whose model is the script, and an environment, created through {@code node}. */
  String[] agentAndEnvironment(Node node) throws IOException {
    String agent =
        id(
            call(
                node,
                "POST",
                "/v1/agents",
                "{\"name\":\"n\",\"model\":\"scripted:"
                    + script
                    + "\",\"tools\":[{\"type\":\"agent_toolset_20260401\"}]}"));
    String env =
        id(call(node, "POST", "/v1/environments", "{\"name\":\"e" + System.nanoTime() + "\"}"));
    return new String[] {agent, env};
  }

  String newSession(Node node, String[] agentAndEnv) throws IOException {
    return id(
        call(
            node,
            "POST",
            "/v1/sessions",
            "{\"agent\":\""
                + agentAndEnv[0]
                + "\",\"environment_id\":\""
                + agentAndEnv[1]
                + "\"}"));
  }

  void say(Node node, String session) {
    var r =
        call(
            node,
            "POST",
            "/v1/sessions/" + session + "/events",
            "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\"go\"}]}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /** The session's log as {@code node} serves it (a read: it wakes nothing). */
  List<JsonNode> events(Node node, String session) throws IOException {
    JsonNode body =
        Json.mapper()
            .readTree(
                call(node, "GET", "/v1/sessions/" + session + "/events?limit=1000", null).body());
    List<JsonNode> out = new ArrayList<>();
    body.get("data").forEach(out::add);
    return out;
  }

  boolean finished(Node node, String session) throws IOException {
    List<JsonNode> log = events(node, session);
    return !log.isEmpty()
        && log.getLast().get("type").asText().equals("session.status_idle")
        && count(log, "agent.message") == 1;
  }

  static long count(List<JsonNode> log, String type) {
    return log.stream().filter(e -> e.get("type").asText().equals(type)).count();
  }

  /** A sample of {@code node}'s metric {@code name} (first series), from /metrics. */
  double metric(Node node, String name) {
    String body = call(node, "GET", "/metrics", null).body();
    for (String line : body.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no metric " + name);
  }

  static String id(HttpResponse<String> r) throws IOException {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body()).get("id").asText();
  }

  /**
   * The response, after retrying a {@code 503} (the node found the database unavailable: on a
   * machine this loaded a query can exceed the store's 2 s limit) as a client honouring {@code
   * retry-after} would, up to five times.
   */
  HttpResponse<String> call(Node node, String method, String path, String body) {
    HttpResponse<String> r = send(node, method, path, body);
    for (int retry = 0; retry < 5 && r.statusCode() == 503; retry++) {
      try {
        Thread.sleep(500L << retry);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      r = send(node, method, path, body);
    }
    return r;
  }

  private HttpResponse<String> send(Node node, String method, String path, String body) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
              .header("x-api-key", TestServer.KEY)
              .timeout(Duration.ofSeconds(10))
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    started.forEach(Process::destroyForcibly);
  }
}
