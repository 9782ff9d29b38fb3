package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import dev.agentry.testkit.PostgresTestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL becomes unreachable (a proxy in front of it drops every connection and refuses new
 * ones) while several sessions are in the middle of a bash call, for longer than the lease TTL. An
 * outage is weather: the API answers 503 fast, readiness says unavailable fast, no turn ends with
 * an error, and when the database returns every turn finishes by itself with no tool run twice and
 * no acknowledged event lost.
 */
class DatabaseOutageTest {
  static final int SESSIONS = 4;
  static final Duration FAST = Duration.ofSeconds(2);

  @TempDir Path dataDir;

  @Test
  void anOutageMidTurn_pausesTurnsAndAnswers503_thenEveryTurnFinishesWithoutRerunningATool()
      throws Exception {
    try (PostgresTestDatabase db = new PostgresTestDatabase();
        FakeAnthropic fake = FakeAnthropic.start()) {
      String url = db.create();
      Matcher hostPort = Pattern.compile("//([^/:]+):(\\d+)/").matcher(url);
      assertThat(hostPort.find()).as(url).isTrue();
      try (CuttableProxy proxy = new CuttableProxy(Integer.parseInt(hostPort.group(2)))) {
        String proxied = hostPort.replaceFirst("//127.0.0.1:" + proxy.port() + "/");
        for (int i = 0; i < SESSIONS; i++) {
          fake.enqueue(
              FakeAnthropic.toolUse(
                  "bash", "{\"command\":\"echo ran >> runs.txt; sleep 3; echo done > done.txt\"}"));
        }
        fake.defaultReply(FakeAnthropic.text("finished after the outage"));
        Map<String, String> env =
            Map.of(
                "ANTHROPIC_BASE_URL", fake.baseUrl(),
                "ANTHROPIC_API_KEY", "sk-ant-outage-test",
                "AGENTRY_LEASE_TTL_MS", "3000");
        try (TestServer server = new TestServer(dataDir, proxied, env)) {
          List<String> sessions = new ArrayList<>();
          List<String> acknowledged = new ArrayList<>();
          for (int i = 0; i < SESSIONS; i++) {
            String s = newSession(server);
            sessions.add(s);
            acknowledged.add(say(server, s, "go").get("data").get(0).get("id").asText());
          }
          await("every bash call to start")
              .atMost(Duration.ofSeconds(30))
              .until(() -> sessions.stream().allMatch(s -> Files.exists(file(s, "runs.txt"))));

          proxy.cut();
          String one = sessions.getFirst();
          assertFast503(server, "GET", "/v1/sessions/" + one, null);
          assertFast503(
              server,
              "POST",
              "/v1/sessions/" + one + "/events",
              "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]}]}");
          long start = System.nanoTime();
          var ready = server.call("GET", "/readyz", null);
          assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAST);
          assertThat(ready.statusCode()).isEqualTo(503);
          assertThat(Json.mapper().readTree(ready.body()).get("status").asText())
              .isEqualTo("unavailable");
          // The tools finish while the database is away: their results wait in the runners.
          await("every bash call to finish during the outage")
              .atMost(Duration.ofSeconds(30))
              .until(() -> sessions.stream().allMatch(s -> Files.exists(file(s, "done.txt"))));
          // The outage outlasts the lease TTL (3 s), so the runners' leases expire meanwhile.
          Thread.sleep(4_000);
          proxy.restore();

          for (int i = 0; i < SESSIONS; i++) {
            String s = sessions.get(i);
            List<JsonNode> log = awaitEndTurn(server, s);
            assertThat(Files.readAllLines(file(s, "runs.txt"))).as(s).containsExactly("ran");
            assertThat(types(log)).as(s).doesNotContain("session.error");
            assertThat(count(log, "agent.tool_use")).as(s).isEqualTo(1);
            List<JsonNode> results =
                log.stream().filter(e -> type(e).equals("agent.tool_result")).toList();
            assertThat(results).as(s).hasSize(1);
            assertThat(results.getFirst().get("is_error").asBoolean()).as(s).isFalse();
            assertThat(types(log)).as(s).contains("session.status_rescheduled");
            assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
            assertThat(log.stream().map(e -> e.get("id").asText()))
                .as(s)
                .doesNotHaveDuplicates()
                .contains(acknowledged.get(i));
            assertThat(log.toString()).contains("finished after the outage");
          }
          assertThat(server.call("GET", "/readyz", null).statusCode()).isEqualTo(200);
        }
      }
    }
  }

  private static void assertFast503(TestServer server, String method, String path, String body)
      throws Exception {
    long start = System.nanoTime();
    var r = server.call(method, path, body);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as(path).isLessThan(FAST);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
    assertThat(r.headers().firstValue("retry-after")).isPresent();
    JsonNode error = Json.mapper().readTree(r.body());
    assertThat(error.get("type").asText()).isEqualTo("error");
    assertThat(error.at("/error/type").asText()).isEqualTo("api_error");
  }

  private Path file(String session, String name) {
    return dataDir.resolve("workspaces").resolve(session).resolve(name);
  }

  private static String newSession(TestServer server) throws Exception {
    String agent =
        id(
            server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"o\",\"model\":\"claude-sonnet-4-6\","
                    + "\"tools\":[{\"type\":\"agent_toolset_20260401\"}]}"));
    String env =
        id(server.call("POST", "/v1/environments", "{\"name\":\"o" + System.nanoTime() + "\"}"));
    return id(
        server.call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
  }

  private static JsonNode say(TestServer server, String session, String text) throws Exception {
    var r =
        server.call(
            "POST",
            "/v1/sessions/" + session + "/events",
            "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\""
                + text
                + "\"}]}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body());
  }

  private static List<JsonNode> awaitEndTurn(TestServer server, String session) {
    List<List<JsonNode>> last = new ArrayList<>(List.of(List.of()));
    await("session " + session + " to finish its turn")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(
            () -> {
              List<JsonNode> log = events(server, session);
              last.set(0, log);
              return !log.isEmpty() && type(log.getLast()).equals("session.status_idle");
            });
    return last.getFirst();
  }

  private static List<JsonNode> events(TestServer server, String session) throws Exception {
    var r = server.call("GET", "/v1/sessions/" + session + "/events?limit=1000", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    Json.mapper().readTree(r.body()).get("data").forEach(out::add);
    return out;
  }

  private static List<String> types(List<JsonNode> log) {
    return log.stream().map(DatabaseOutageTest::type).toList();
  }

  private static long count(List<JsonNode> log, String type) {
    return log.stream().filter(e -> type(e).equals(type)).count();
  }

  private static String type(JsonNode e) {
    return e.get("type").asText();
  }

  private static String id(java.net.http.HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body()).get("id").asText();
  }
}
