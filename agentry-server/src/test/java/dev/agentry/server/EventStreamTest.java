package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.Json;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SSE wire format, Last-Event-ID resume, and the end of streams on delete. */
class EventStreamTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static String agentId;
  static String envId;

  @BeforeAll
  static void start() throws Exception {
    server = new TestServer(dataDir, null);
    agentId =
        BadInputTest.id(
            server.call("POST", "/v1/agents", "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\"}"));
    envId = BadInputTest.id(server.call("POST", "/v1/environments", "{\"name\":\"e\"}"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String newSession() throws Exception {
    return BadInputTest.id(
        server.call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\"" + agentId + "\",\"environment_id\":\"" + envId + "\"}"));
  }

  static List<String> send(String session, int n) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      var response =
          server.call(
              "POST",
              "/v1/sessions/" + session + "/events",
              "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\"m"
                  + i
                  + "\"}]}]}");
      ids.add(Json.mapper().readTree(response.body()).get("data").get(0).get("id").asText());
    }
    return ids;
  }

  static BufferedReader open(String session, String lastEventId) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create(server.baseUrl() + "/v1/sessions/" + session + "/events/stream"))
            .header("x-api-key", TestServer.KEY)
            .header("accept", "application/json");
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<InputStream> response =
        server.http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    return new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
  }

  /**
   * Reads frames until {@code count} message frames of type {@code user.message} or {@code
   * session.deleted} arrived (the agent loop's own events are skipped); every frame must name its
   * event.
   */
  static List<String> messages(BufferedReader reader, int count) throws Exception {
    List<String> data = new ArrayList<>();
    String event = null;
    String line;
    while (data.size() < count && (line = reader.readLine()) != null) {
      if (line.startsWith("event: ")) {
        event = line.substring(7);
      } else if (line.startsWith("data: ")) {
        assertThat(event).as("a frame without event:").isNotNull();
        if (event.equals("message")) {
          String json = line.substring(6);
          if (json.contains("\"type\":\"user.message\"")
              || json.contains("\"type\":\"session.deleted\"")) {
            data.add(json);
          }
        } else {
          assertThat(event).isEqualTo("ping");
        }
      } else if (line.isEmpty()) {
        event = null;
      }
    }
    return data;
  }

  @Test
  void lastEventId_replaysMissedEventsThenGoesLive() throws Exception {
    String session = newSession();
    List<String> ids = send(session, 5);
    try (BufferedReader reader = open(session, ids.get(1))) {
      List<String> replayed = messages(reader, 3);
      assertThat(replayed).hasSize(3);
      assertThat(replayed.get(0)).contains(ids.get(2));
      assertThat(replayed.get(2)).contains(ids.get(4));
      List<String> live = send(session, 1);
      assertThat(messages(reader, 1).getFirst()).contains(live.getFirst());
    }
  }

  @Test
  void idleStream_getsPingHeartbeats() throws Exception {
    String session = newSession();
    try (BufferedReader reader = open(session, null)) {
      int pings = 0;
      long deadline = System.nanoTime() + 5_000_000_000L;
      String line;
      while (pings < 2 && System.nanoTime() < deadline && (line = reader.readLine()) != null) {
        if (line.equals("event: ping")) {
          pings++;
        }
      }
      assertThat(pings).isEqualTo(2);
    }
  }

  @Test
  void deletingSession_endsItsStreamsWithSessionDeleted() throws Exception {
    String session = newSession();
    try (BufferedReader reader = open(session, null)) {
      SdkCompatibilityTest.awaitSubscribers(server, 1);
      assertThat(server.call("DELETE", "/v1/sessions/" + session, null).statusCode())
          .isEqualTo(200);
      List<String> frames = messages(reader, 1);
      assertThat(frames).singleElement().asString().contains("\"type\":\"session.deleted\"");
      assertThat(reader.readLine()).isEmpty();
      assertThat(reader.readLine()).isNull();
    }
    assertThat(server.call("GET", "/v1/sessions/" + session, null).statusCode()).isEqualTo(404);
  }

  /**
   * Concurrent senders fill the streams' queues faster than one frame per flush; a stream that
   * resumes with Last-Event-ID in the middle of the burst switches from replay to live. Each stream
   * must carry every event after its start exactly once, in log order.
   */
  @Test
  void burstWithResumeMidway_everyStreamGetsEachEventOnceInOrder() throws Exception {
    String session = newSession();
    int total = 300;
    try (BufferedReader live = open(session, null)) {
      String line;
      while ((line = live.readLine()) != null && !line.isEmpty()) {
        // the first frame is a ping, written after the stream subscribed
      }
      List<String> acked = java.util.Collections.synchronizedList(new ArrayList<>());
      var next = new java.util.concurrent.atomic.AtomicInteger();
      List<Thread> senders = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        senders.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        while (next.getAndIncrement() < total) {
                          acked.addAll(send(session, 1));
                        }
                      } catch (Exception e) {
                        throw new IllegalStateException(e);
                      }
                    }));
      }
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .pollInterval(java.time.Duration.ofMillis(1))
          .until(() -> acked.size() >= total / 3);
      String resumeFrom = acked.getFirst();
      try (BufferedReader resumed = open(session, resumeFrom)) {
        for (Thread t : senders) {
          t.join();
        }
        List<String> log = userMessageIds(session);
        assertThat(log).hasSize(total).containsExactlyInAnyOrderElementsOf(acked);
        assertThat(ids(messages(live, total))).containsExactlyElementsOf(log);
        List<String> after = log.subList(log.indexOf(resumeFrom) + 1, total);
        assertThat(ids(messages(resumed, after.size()))).containsExactlyElementsOf(after);
      }
    }
  }

  private static List<String> ids(List<String> frames) throws Exception {
    List<String> ids = new ArrayList<>();
    for (String f : frames) {
      ids.add(Json.mapper().readTree(f).get("id").asText());
    }
    return ids;
  }

  private static List<String> userMessageIds(String session) throws Exception {
    var page =
        server.call(
            "GET", "/v1/sessions/" + session + "/events?types=user.message&limit=1000", null);
    assertThat(page.statusCode()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    for (var e : Json.mapper().readTree(page.body()).get("data")) {
      ids.add(e.get("id").asText());
    }
    return ids;
  }
}
