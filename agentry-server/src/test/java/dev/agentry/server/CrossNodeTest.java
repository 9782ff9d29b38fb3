package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import dev.agentry.testkit.PostgresTestDatabase;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes on one PostgreSQL database, each with its own fake model. Events sent through node B
 * for a session node A runs reach A's runner at once (PostgreSQL NOTIFY), not at the next sweep:
 * the sweep interval and the lease TTL are set to minutes, so nothing else could deliver them in
 * time. An SSE stream opened on B follows a session A runs with every event, in order, and keeps
 * doing so when the connections listening for notices are killed mid-stream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrossNodeTest {
  /** Far beyond what NOTIFY takes, far below the sweep interval and the lease TTL below. */
  static final Duration BOUND = Duration.ofSeconds(15);

  @TempDir static Path dirA;
  @TempDir static Path dirB;
  PostgresTestDatabase database;
  String url;
  FakeAnthropic fakeA;
  FakeAnthropic fakeB;
  TestServer nodeA;
  TestServer nodeB;

  @BeforeAll
  void start() throws Exception {
    database = new PostgresTestDatabase();
    url = database.create();
    fakeA = FakeAnthropic.start();
    fakeB = FakeAnthropic.start();
    nodeA = new TestServer(dirA, url, env(fakeA));
    nodeB = new TestServer(dirB, url, env(fakeB));
    // A first run on a cold JVM can take longer than the other node's claim grace (1 s), and the
    // other node would then take the session over; the tests below want each node warm.
    for (TestServer node : List.of(nodeA, nodeB)) {
      String session = newSession(node);
      say(node, session, "warm up");
      awaitIdle(node, session);
    }
  }

  /**
   * Without a checkpoint after each tool call: the window the first test needs, A holding its lease
   * after its last read of the log, is the end-of-run checkpoint of what the turn wrote; with
   * per-call checkpoints that one finds nothing new and the window closes at once (B then runs the
   * message itself, which is right but not what the test is about).
   */
  static Map<String, String> env(FakeAnthropic fake) {
    return Map.of(
        "ANTHROPIC_BASE_URL", fake.baseUrl(),
        "ANTHROPIC_API_KEY", "sk-ant-cross-node-test",
        "AGENTRY_SWEEP_INTERVAL_MS", "600000",
        "AGENTRY_LEASE_TTL_MS", "120000",
        "AGENTRY_CHECKPOINT_EACH_CALL", "false");
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {nodeA, nodeB, fakeA, fakeB, database}) {
      if (c != null) {
        c.close();
      }
    }
  }

  /**
   * A's run ends its turn, then checkpoints the workspace (here 60 MB of new data, which takes a
   * while) before it gives the lease back. A message sent through B meanwhile cannot start a run on
   * B (A holds the lease; B looks again when the lease would have expired, two minutes on), and A's
   * run has read the log for the last time: only the notice tells A to run the session once more.
   */
  @Test
  void aMessageSentThroughB_whileAFinishesItsRun_reachesTheRunnerOnA_withoutASweep()
      throws Exception {
    fakeA.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":\"head -c 60000000 /dev/urandom > big.bin\"}"),
        FakeAnthropic.text("first answer"));
    fakeA.defaultReply(FakeAnthropic.text("answered"));
    int base = fakeA.requests().size();
    int onB = fakeB.requests().size();
    String session = newSession(nodeA);
    say(nodeA, session, "go");
    await()
        .atMost(BOUND)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> count(events(nodeA, session), "session.status_idle") == 1);

    say(nodeB, session, "and a second thing");

    List<FakeAnthropic.RecordedRequest> got = fakeA.awaitRequests(base + 3, BOUND);
    assertThat(got.get(base + 2).body().toString()).contains("and a second thing");
    assertThat(fakeB.requests()).hasSize(onB);
    List<JsonNode> log = awaitIdle(nodeB, session);
    assertThat(count(log, "user.message")).isEqualTo(2);
    assertThat(count(log, "agent.message")).isEqualTo(2);
  }

  @Test
  void anInterruptSentThroughB_cancelsAsSlowModelCallOnA() throws Exception {
    fakeA.enqueue(FakeAnthropic.text("too late").delay(Duration.ofSeconds(60)));
    int base = fakeA.requests().size();
    String session = newSession(nodeA);
    say(nodeA, session, "slow");
    fakeA.awaitRequests(base + 1, BOUND);

    send(nodeB, session, "{\"type\":\"user.interrupt\"}");

    List<JsonNode> log = awaitIdle(nodeB, session);
    assertThat(count(log, "agent.message")).isZero();
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
  }

  @Test
  void anSseStreamOnB_ofASessionRunOnA_getsEveryEventInOrder_evenWhenListenersAreKilled()
      throws Exception {
    for (int i = 0; i < 4; i++) {
      fakeA.enqueue(
          FakeAnthropic.toolUse("bash", "{\"command\":\"sleep 0.2; echo step " + i + "\"}"));
    }
    fakeA.defaultReply(FakeAnthropic.text("answered"));
    String session = newSession(nodeA);
    List<JsonNode> streamed = new CopyOnWriteArrayList<>();
    BufferedReader reader = open(nodeB, session);
    Thread pump = Thread.ofVirtual().start(() -> read(reader, streamed));
    try {
      say(nodeA, session, "go");
      await().atMost(BOUND).until(() -> count(streamed, "agent.tool_result") >= 1);

      killListeners();
      // Committed on A while B (and A) are not listening: only B's catch-up from the log has it.
      say(nodeA, session, "meanwhile");

      await()
          .atMost(BOUND)
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(
              () -> {
                List<JsonNode> log = events(nodeA, session);
                return type(log.getLast()).equals("session.status_idle")
                    && count(log, "user.message") == 2
                    && !streamed.isEmpty()
                    && id(streamed.getLast()).equals(id(log.getLast()));
              });
      List<JsonNode> log = events(nodeA, session);
      List<String> logIds = log.stream().map(CrossNodeTest::id).toList();
      List<String> streamedIds = streamed.stream().map(CrossNodeTest::id).toList();
      int from = logIds.indexOf(streamedIds.getFirst());
      assertThat(from).as("the stream's first event is in the log").isNotNegative();
      assertThat(streamedIds).isEqualTo(logIds.subList(from, logIds.size()));
      assertThat(from).as("the stream began before the turn").isLessThanOrEqualTo(1);
      assertThat(metric(nodeB, "agentry_node_listener_reconnects_total")).isGreaterThanOrEqualTo(1);
      assertThat(metric(nodeB, "agentry_node_notifications_received_total")).isPositive();
    } finally {
      reader.close();
      pump.interrupt();
    }
  }

  /** Ends every connection that listens for notices, on both nodes. */
  private void killListeners() throws Exception {
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE application_name = 'agentry-listen'"
                    + " AND datname = current_database()")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(2);
    }
  }

  private static double metric(TestServer node, String name) {
    String body = node.call("GET", "/metrics", null).body();
    return body.lines()
        .filter(l -> l.startsWith(name + "{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  static BufferedReader open(TestServer node, String session) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(node.baseUrl() + "/v1/sessions/" + session + "/events/stream"))
            .header("x-api-key", TestServer.KEY)
            .build();
    HttpResponse<InputStream> response =
        node.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    BufferedReader reader =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    // The first frame is a ping, written once the stream has subscribed.
    assertThat(reader.readLine()).isEqualTo("event: ping");
    return reader;
  }

  /** Adds the stream's events (message frames) to {@code out} until the stream ends. */
  private static void read(BufferedReader reader, List<JsonNode> out) {
    try {
      String event = null;
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ") && "message".equals(event)) {
          out.add(Json.mapper().readTree(line.substring(6)));
        } else if (line.isEmpty()) {
          event = null;
        }
      }
    } catch (java.io.IOException e) {
      // closed by the test
    }
  }

  static String newSession(TestServer node) throws Exception {
    String agent =
        id(
            node.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"x\",\"model\":\"claude-sonnet-4-6\","
                    + "\"tools\":[{\"type\":\"agent_toolset_20260401\"}]}"));
    String env =
        id(node.call("POST", "/v1/environments", "{\"name\":\"x" + System.nanoTime() + "\"}"));
    return id(
        node.call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
  }

  static void say(TestServer node, String session, String text) {
    send(
        node,
        session,
        "{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\"" + text + "\"}]}");
  }

  private static void send(TestServer node, String session, String event) {
    var r =
        node.call("POST", "/v1/sessions/" + session + "/events", "{\"events\":[" + event + "]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  static List<JsonNode> awaitIdle(TestServer node, String session) {
    List<List<JsonNode>> last = new ArrayList<>(List.of(List.of()));
    await("session " + session + " to go idle")
        .atMost(BOUND)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(
            () -> {
              List<JsonNode> log = events(node, session);
              last.set(0, log);
              return type(log.getLast()).equals("session.status_idle");
            });
    return last.getFirst();
  }

  private static List<JsonNode> events(TestServer node, String session) throws Exception {
    var r = node.call("GET", "/v1/sessions/" + session + "/events?limit=1000", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    Json.mapper().readTree(r.body()).get("data").forEach(out::add);
    return out;
  }

  private static long count(List<JsonNode> log, String type) {
    return log.stream().filter(e -> type(e).equals(type)).count();
  }

  private static String type(JsonNode e) {
    return e.get("type").asText();
  }

  private static String id(JsonNode e) {
    return e.get("id").asText();
  }

  private static String id(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body()).get("id").asText();
  }
}
