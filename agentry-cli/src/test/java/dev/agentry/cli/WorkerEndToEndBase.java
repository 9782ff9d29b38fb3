package dev.agentry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.model.ModelClients;
import dev.agentry.server.AgentryServer;
import dev.agentry.server.ServerConfig;
import dev.agentry.testkit.FakeAnthropic;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server (SQLite) whose model is the fake, and {@code agentry worker} processes against it:
 * what the worker's end-to-end tests share.
 */
abstract class WorkerEndToEndBase {
  static final String KEY = "sk-agentry-worker-e2e-key-0123456789";
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dataDir;
  @TempDir Path workdir;
  FakeAnthropic fake;
  AgentryServer server;
  final List<Process> workers = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    // Sandboxes run under their own uid and must traverse the folder to their workspaces.
    Files.setPosixFilePermissions(workdir, PosixFilePermissions.fromString("rwx--x--x"));
    fake = FakeAnthropic.start();
    server =
        AgentryServer.start(
            ServerConfig.builder(Map.of()).port(0).dataDir(dataDir).apiKey(KEY).build(),
            Clock.systemUTC(),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            ModelClients.fromEnv(
                Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", "k")));
  }

  @AfterEach
  void stop() {
    workers.forEach(Process::destroyForcibly);
    server.close();
    fake.close();
  }

  Process worker(String env, String key, String name, String... flags) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "worker",
                "--url",
                "http://127.0.0.1:" + server.port(),
                "--environment",
                env,
                "--workdir",
                workdir.toString(),
                "--lease-seconds",
                "10",
                "--worker-id",
                name));
    command.addAll(List.of(flags));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dataDir.resolve(name + ".log").toFile());
    // The key goes by the environment, out of the process list.
    pb.environment().put("AGENTRY_ENVIRONMENT_KEY", key);
    Process p = pb.start();
    p.getOutputStream().close();
    workers.add(p);
    return p;
  }

  String output(String name) throws IOException {
    Path log = dataDir.resolve(name + ".log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  String selfHostedEnvironment() throws Exception {
    return call(
            "POST",
            "/v1/environments",
            "{\"name\":\"hands\",\"config\":{\"type\":\"self_hosted\"}}")
        .path("id")
        .asText();
  }

  String environmentKey(String env) throws Exception {
    return call("POST", "/v1/agentry/environments/" + env + "/keys", "{\"name\":\"e2e\"}")
        .path("key")
        .asText();
  }

  String session(String env) throws Exception {
    return session(env, "", "");
  }

  /** A session of a new agent; {@code agentFields} and {@code sessionFields} are more JSON. */
  String session(String env, String agentFields, String sessionFields) throws Exception {
    String agent =
        call(
                "POST",
                "/v1/agents",
                "{\"name\":\"w\",\"model\":\"claude-sonnet-4-6\",\"tools\":"
                    + "[{\"type\":\"agent_toolset_20260401\"}]"
                    + agentFields
                    + "}")
            .path("id")
            .asText();
    return call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"" + sessionFields + "}")
        .path("id")
        .asText();
  }

  void say(String session, String text) throws Exception {
    call(
        "POST",
        "/v1/sessions/" + session + "/events",
        "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\""
            + text
            + "\"}]}]}");
  }

  JsonNode call(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .header("x-api-key", KEY)
            .header("anthropic-beta", "managed-agents-2026-04-01")
            .header("content-type", "application/json")
            .timeout(Duration.ofSeconds(30));
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body());
  }

  List<JsonNode> events(String session) throws Exception {
    List<JsonNode> log = new ArrayList<>();
    call("GET", "/v1/sessions/" + session + "/events?limit=1000", null)
        .path("data")
        .forEach(log::add);
    return log;
  }

  /**
   * Polls the log until a turn ends (an idle that waits on nothing); fails fast if the worker
   * exits.
   */
  List<JsonNode> awaitEndTurn(String session, Process worker, String name) throws Exception {
    return awaitTurns(session, worker, name, 1);
  }

  /** Polls the log until {@code turns} turns have ended; fails fast if the worker exits. */
  List<JsonNode> awaitTurns(String session, Process worker, String name, int turns)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    List<JsonNode> log = List.of();
    while (System.nanoTime() < deadline) {
      log = events(session);
      long ended =
          log.stream()
              .filter(e -> e.path("type").asText().equals("session.status_idle"))
              .filter(e -> !e.at("/stop_reason/type").asText().equals("requires_action"))
              .count();
      if (ended >= turns) {
        return log;
      }
      if (!worker.isAlive()) {
        throw new AssertionError("the worker exited: " + output(name) + "\nlog: " + log);
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "not "
            + turns
            + " turns finished: "
            + log.stream().map(e -> e.path("type").asText()).toList()
            + "\nworker: "
            + output(name));
  }

  void awaitFile(Path file, Process worker, String name) throws Exception {
    awaitWorker(() -> Files.exists(file), () -> file + " never appeared", worker, name);
  }

  /** A check of the test's; it may read files, which can fail. */
  interface Check {
    boolean holds() throws Exception;
  }

  /**
   * Waits up to 60 s for {@code done}; fails with {@code what} and the worker's output if it does
   * not hold by then, or at once if the worker exits.
   */
  void awaitWorker(
      Check done, java.util.function.Supplier<String> what, Process worker, String name)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!done.holds()) {
      if (System.nanoTime() > deadline || !worker.isAlive()) {
        throw new AssertionError(what.get() + "; worker: " + output(name));
      }
      Thread.sleep(50);
    }
  }

  static List<JsonNode> ofType(List<JsonNode> log, String type) {
    return log.stream().filter(e -> e.path("type").asText().equals(type)).toList();
  }

  static JsonNode answerTo(List<JsonNode> log, String callId) {
    List<JsonNode> answers =
        log.stream()
            .filter(e -> e.path("type").asText().endsWith(".tool_result"))
            .filter(e -> e.path("tool_use_id").asText().equals(callId))
            .toList();
    assertThat(answers).as("answers to " + callId).hasSize(1);
    return answers.getFirst();
  }

  static String text(JsonNode result) {
    return result.path("content").get(0).path("text").asText();
  }
}
