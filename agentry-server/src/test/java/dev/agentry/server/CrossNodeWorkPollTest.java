package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import dev.agentry.testkit.PostgresTestDatabase;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes on one PostgreSQL database: a worker's long poll waiting on node B is woken by a work
 * item that node A's runner queues, through A's notice on the cluster feed (docs/decisions/0048),
 * not when B's wait ends (up to 999 ms later). Each round measures the time from the item's
 * creation on A to the poll's answer on B.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrossNodeWorkPollTest {
  static final Duration BOUND = Duration.ofSeconds(20);

  /** Well under a wait's 999 ms, which a poll that is not woken would run to. */
  static final long WAKE_BOUND_MS = 200;

  static final int ROUNDS = 5;

  @TempDir static Path dirA;
  @TempDir static Path dirB;
  PostgresTestDatabase database;
  FakeAnthropic fakeA;
  FakeAnthropic fakeB;
  TestServer nodeA;
  TestServer nodeB;
  String env;
  String envKey;
  String agent;

  @BeforeAll
  void start() throws Exception {
    database = new PostgresTestDatabase();
    String url = database.create();
    fakeA = FakeAnthropic.start();
    fakeB = FakeAnthropic.start();
    nodeA = new TestServer(dirA, url, CrossNodeTest.env(fakeA));
    nodeB = new TestServer(dirB, url, CrossNodeTest.env(fakeB));
    // Warm runners, so that A's first run never outlasts B's claim grace (B would take it over).
    fakeA.defaultReply(FakeAnthropic.text("warm"));
    fakeB.defaultReply(FakeAnthropic.text("warm"));
    for (TestServer node : List.of(nodeA, nodeB)) {
      String session = CrossNodeTest.newSession(node);
      CrossNodeTest.say(node, session, "warm up");
      CrossNodeTest.awaitIdle(node, session);
    }
    env =
        BadInputTest.id(
            nodeA.call(
                "POST",
                "/v1/environments",
                "{\"name\":\"hands\",\"config\":{\"type\":\"self_hosted\"}}"));
    HttpResponse<String> key =
        nodeA.call("POST", "/v1/agentry/environments/" + env + "/keys", "{}");
    assertThat(key.statusCode()).as(key.body()).isEqualTo(200);
    envKey = Json.mapper().readTree(key.body()).path("key").asText();
    agent =
        BadInputTest.id(
            nodeA.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"w\",\"model\":\"claude-sonnet-4-6\",\"tools\":"
                    + "[{\"type\":\"agent_toolset_20260401\"}]}"));
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {nodeA, nodeB, fakeA, fakeB, database}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void anItemQueuedOnA_wakesAPollWaitingOnB_atOnce() throws Exception {
    int onB = fakeB.requests().size();
    List<Long> latencies = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      fakeA.enqueue(FakeAnthropic.toolUse("bash", "{\"command\":\"echo round\"}"));
      String session =
          BadInputTest.id(
              nodeA.call(
                  "POST",
                  "/v1/sessions",
                  "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
      CompletableFuture<JsonNode> polled = CompletableFuture.supplyAsync(this::pollOnBUntilAnItem);
      // Let B's poll start its wait first: the offer should land inside it, not before it.
      TimeUnit.MILLISECONDS.sleep(300);
      CrossNodeTest.say(nodeA, session, "go");

      JsonNode item = polled.get(BOUND.toSeconds(), TimeUnit.SECONDS);
      long answeredAt = System.currentTimeMillis();
      assertThat(item.at("/data/id").asText()).isEqualTo(session);
      Instant created = Instant.parse(item.path("created_at").asText());
      latencies.add(answeredAt - created.toEpochMilli());
      // Acked, the item is never handed out again: the next round's poll waits for its own.
      HttpResponse<String> ack =
          nodeB.call(
              "POST",
              "/v1/environments/" + env + "/work/" + item.path("id").asText() + "/ack",
              null,
              Map.of("authorization", "Bearer " + envKey));
      assertThat(ack.statusCode()).as(ack.body()).isEqualTo(200);
    }
    System.out.println("offer on A -> poll answer on B, ms: " + latencies);
    assertThat(fakeB.requests()).as("A ran every session").hasSize(onB);
    assertThat(latencies).allMatch(ms -> ms < WAKE_BOUND_MS, "each under " + WAKE_BOUND_MS + " ms");
  }

  /** Polls B (999 ms waits, as workers do) until it hands out an item. */
  private JsonNode pollOnBUntilAnItem() {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r =
          nodeB.call(
              "GET",
              "/v1/environments/" + env + "/work/poll?block_ms=999",
              null,
              Map.of("authorization", "Bearer " + envKey, "Anthropic-Worker-ID", "poller-b"));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      try {
        JsonNode body = Json.mapper().readTree(r.body());
        if (!body.isNull()) {
          return body;
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    throw new AssertionError("B handed out nothing within " + BOUND);
  }
}
