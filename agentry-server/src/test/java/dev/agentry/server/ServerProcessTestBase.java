package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server in its own JVM (so a test can kill it with SIGKILL and start it again on the same
 * data), with the fake Anthropic endpoint as its model, and the calls tests make against it.
 */
abstract class ServerProcessTestBase {
  @TempDir Path dataDir;
  FakeAnthropic fake;
  final HttpClient http = HttpClient.newHttpClient();
  int port;
  Process server;

  @BeforeEach
  void start() throws Exception {
    fake = FakeAnthropic.start();
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    server = startServer();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.destroyForcibly();
    }
    fake.close();
  }

  /** What a test adds to the server's environment. */
  Map<String, String> extraEnv() {
    return Map.of();
  }

  void kill9AndRestart() throws Exception {
    server.destroyForcibly();
    server.waitFor();
    server = startServer();
  }

  Process startServer() throws Exception {
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
    env.put("AGENTRY_PORT", Integer.toString(port));
    env.put("AGENTRY_DATA_DIR", dataDir.toString());
    env.put("AGENTRY_API_KEY", TestServer.KEY);
    env.put("AGENTRY_LEASE_TTL_MS", "1500");
    env.put("ANTHROPIC_BASE_URL", fake.baseUrl());
    env.put("ANTHROPIC_API_KEY", "sk-ant-crash-test");
    env.putAll(extraEnv());
    Process p = pb.start();
    await(() -> call("GET", "/healthz", null).statusCode() == 200, "the server to start");
    return p;
  }

  /** A session whose agent has {@code toolsJson} as its tools. */
  String newSession(String toolsJson) throws Exception {
    String agent =
        id(
            call(
                "POST",
                "/v1/agents",
                "{\"name\":\"c\",\"model\":\"claude-sonnet-4-6\",\"tools\":" + toolsJson + "}"));
    String env = id(call("POST", "/v1/environments", "{\"name\":\"c" + System.nanoTime() + "\"}"));
    return id(
        call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
  }

  void say(String session, String text) {
    var r =
        call(
            "POST",
            "/v1/sessions/" + session + "/events",
            "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\""
                + text
                + "\"}]}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  List<JsonNode> events(String session) throws IOException {
    var body =
        Json.mapper().readTree(call("GET", "/v1/sessions/" + session + "/events", null).body());
    List<JsonNode> out = new ArrayList<>();
    body.get("data").forEach(out::add);
    return out;
  }

  List<JsonNode> awaitIdle(String session) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
    while (System.nanoTime() < deadline) {
      List<JsonNode> log = events(session);
      if (!log.isEmpty() && log.getLast().get("type").asText().equals("session.status_idle")) {
        return log;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the turn did not complete: " + events(session));
  }

  static long count(List<JsonNode> log, String type) {
    return log.stream().filter(e -> e.get("type").asText().equals(type)).count();
  }

  static JsonNode only(List<JsonNode> log, String type) {
    List<JsonNode> found = log.stream().filter(e -> e.get("type").asText().equals(type)).toList();
    assertThat(found).as(type).hasSize(1);
    return found.getFirst();
  }

  static void assertNoDuplicates(List<JsonNode> log) {
    assertThat(log.stream().map(e -> e.get("id").asText())).doesNotHaveDuplicates();
    assertThat(count(log, "user.message")).isEqualTo(1);
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
  }

  interface Check {
    boolean holds() throws Exception;
  }

  static void await(Check check, String what) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (check.holds()) {
          return;
        }
      } catch (IOException | RuntimeException e) {
        // not yet
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  static String id(HttpResponse<String> r) throws IOException {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body()).get("id").asText();
  }

  HttpResponse<String> call(String method, String path, String body) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
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
}
