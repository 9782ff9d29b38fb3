package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.models.beta.sessions.BetaManagedAgentsDeltaType;
import com.anthropic.models.beta.sessions.threads.events.EventStreamParams;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The threads API and a member's own stream (docs/decisions/0033): a thread continued by id keeps
 * its conversation, a name off the roster is a tool error the model sees, archiving needs an idle
 * thread, and a thread of another session is not found.
 */
class MultiAgentThreadsTest extends FakeModelServerTestBase {
  @BeforeAll
  static void sdk() {
    MultiAgentEndToEndTest.client = server.sdk();
  }

  static String session() throws Exception {
    return MultiAgentEndToEndTest.coordinatorSession("solo", "[]", "[{\"type\":\"self\"}]");
  }

  static List<JsonNode> log(String session) throws Exception {
    return MultiAgentEndToEndTest.raw("/v1/sessions/" + session + "/events");
  }

  static List<JsonNode> ofType(List<JsonNode> log, String type) {
    return MultiAgentControlTest.ofType(log, type);
  }

  static List<JsonNode> awaitIdle(String session, int idles) {
    return Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> log(session), l -> ofType(l, "session.status_idle").size() >= idles);
  }

  @Test
  void aNameOffTheRoster_isAToolErrorTheModelSees() throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse("send_to_agent", MultiAgentEndToEndTest.send("ghost", "boo")),
        FakeAnthropic.text("no such agent"));
    String session = session();
    int base = fake.requests().size();
    MultiAgentEndToEndTest.say(session, "delegate");
    List<JsonNode> log = awaitIdle(session, 1);
    JsonNode result = ofType(log, "agent.tool_result").getFirst();
    assertThat(result.get("is_error").asBoolean()).isTrue();
    assertThat(result.toString()).contains("No agent named 'ghost'").contains("solo");
    assertThat(ofType(log, "session.thread_created")).isEmpty();
    String second =
        fake.awaitRequests(base + 2, Duration.ofSeconds(5)).get(base + 1).body().toString();
    assertThat(second).contains("No agent named 'ghost'");
  }

  @Test
  void aThreadContinuedById_keepsItsConversation_andArchivingNeedsItIdle() throws Exception {
    fake.enqueueFor(
        MultiAgentEndToEndTest::byCoordinator,
        FakeAnthropic.toolUse("send_to_agent", MultiAgentEndToEndTest.send("solo", "first task")),
        FakeAnthropic.text("delegated"),
        FakeAnthropic.text("noted"));
    fake.enqueueFor(
        MultiAgentEndToEndTest::byMember,
        FakeAnthropic.text("first done").delay(Duration.ofSeconds(2)));
    String session = session();
    MultiAgentEndToEndTest.say(session, "start");
    String child =
        Awaitility.await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> ofType(log(session), "session.thread_created"), l -> !l.isEmpty())
            .getFirst()
            .get("session_thread_id")
            .asText();
    String path = "/v1/sessions/" + session + "/threads/" + child;
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> status(path).equals("running"));
    var refused = server.call("POST", path + "/archive", "{}");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(refused.body()).contains("invalid_request_error").contains("only an idle thread");
    awaitIdle(session, 1);

    // A follow-up to the same thread: the member's second request holds its first turn.
    int base = fake.requests().size();
    fake.enqueueFor(
        MultiAgentEndToEndTest::byCoordinator,
        FakeAnthropic.toolUse(
            "send_to_agent",
            "{\"agent_name\":\"solo\",\"message\":\"second task\",\"session_thread_id\":\""
                + child
                + "\"}"),
        FakeAnthropic.text("delegated again"),
        FakeAnthropic.text("all done"));
    fake.enqueueFor(
        MultiAgentEndToEndTest::byMember,
        FakeAnthropic.text("second done").delay(Duration.ofMillis(500)));
    MultiAgentEndToEndTest.say(session, "more");
    List<JsonNode> log = awaitIdle(session, 2);
    assertThat(ofType(log, "session.thread_created")).hasSize(1);
    String member =
        fake.requests().subList(base, fake.requests().size()).stream()
            .filter(MultiAgentEndToEndTest::byMember)
            .findFirst()
            .orElseThrow()
            .body()
            .toString();
    assertThat(member).contains("first task").contains("first done").contains("second task");

    var archived = server.call("POST", path + "/archive", "{}");
    assertThat(archived.statusCode()).as(archived.body()).isEqualTo(200);
    JsonNode thread = Json.mapper().readTree(archived.body());
    assertThat(thread.get("archived_at").isNull()).isFalse();
    assertThat(thread.get("status").asText()).isEqualTo("terminated");
    // Its first reply took two seconds of running; its life spans both turns.
    JsonNode stats = thread.get("stats");
    assertThat(stats.get("active_seconds").asDouble()).isGreaterThanOrEqualTo(2.0);
    assertThat(stats.get("duration_seconds").asDouble())
        .isGreaterThan(stats.get("active_seconds").asDouble());
    var idle = MultiAgentEndToEndTest.raw("/v1/sessions/" + session + "/threads?statuses[]=idle");
    assertThat(idle).extracting(t -> t.get("id").asText()).doesNotContain(child);
    var bad = server.call("GET", "/v1/sessions/" + session + "/threads?statuses[]=asleep", null);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("statuses[]");
    var primary =
        server.call(
            "POST",
            "/v1/sessions/" + session + "/threads/" + primaryOf(session) + "/archive",
            "{}");
    assertThat(primary.statusCode()).isEqualTo(400);

    // Another session's thread is not found here.
    String other = session();
    var notHere = server.call("GET", "/v1/sessions/" + other + "/threads/" + child, null);
    assertThat(notHere.statusCode()).isEqualTo(404);
    assertThat(notHere.body()).contains("not_found_error");
    var notHereEvents =
        server.call("GET", "/v1/sessions/" + other + "/threads/" + child + "/events", null);
    assertThat(notHereEvents.statusCode()).isEqualTo(404);
  }

  @Test
  void aMembersStream_showsItsOwnTraceAndPreviews_theSessionStreamNeither() throws Exception {
    fake.enqueueFor(
        MultiAgentEndToEndTest::byCoordinator,
        FakeAnthropic.toolUse("send_to_agent", MultiAgentEndToEndTest.send("solo", "say hi")),
        FakeAnthropic.text("delegated"),
        FakeAnthropic.text("it said hi"));
    fake.enqueueFor(
        MultiAgentEndToEndTest::byMember,
        FakeAnthropic.text("hi from the member").delay(Duration.ofSeconds(2)));
    String session = session();
    MultiAgentEndToEndTest.say(session, "go");
    String child =
        Awaitility.await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> ofType(log(session), "session.thread_created"), l -> !l.isEmpty())
            .getFirst()
            .get("session_thread_id")
            .asText();
    var sdk = MultiAgentEndToEndTest.client;
    var sessionStream =
        sdk.beta()
            .sessions()
            .events()
            .streamStreaming(
                session,
                com.anthropic.models.beta.sessions.events.EventStreamParams.builder()
                    .addEventDelta(BetaManagedAgentsDeltaType.AGENT_MESSAGE)
                    .build());
    var threadStream =
        sdk.beta()
            .sessions()
            .threads()
            .events()
            .streamStreaming(
                child,
                EventStreamParams.builder()
                    .sessionId(session)
                    .addEventDelta(BetaManagedAgentsDeltaType.AGENT_MESSAGE)
                    .build());
    var onThread = new LinkedBlockingQueue<String>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                threadStream.stream().forEach(e -> onThread.add(e.toString()));
              } catch (RuntimeException closed) {
                // closed by the test
              }
            });
    try (threadStream;
        var reader = new MultiAgentEndToEndTest.Reader(sessionStream)) {
      SdkCompatibilityTest.awaitSubscribers(server, 2);
      List<String> got = new ArrayList<>();
      while (got.stream().noneMatch(s -> s.contains("AgentThreadMessageSent"))) {
        String e = onThread.poll(20, TimeUnit.SECONDS);
        assertThat(e).as("an event; got " + got).isNotNull();
        got.add(e);
      }
      assertThat(got).anyMatch(s -> s.contains("AgentMessage") && s.contains("hi from the member"));
      String message =
          got.stream()
              .filter(s -> s.contains("agentMessage=BetaManagedAgentsAgentMessageEvent"))
              .findFirst()
              .orElseThrow();
      var id = java.util.regex.Pattern.compile("id=(sevt_[A-Za-z0-9]+)").matcher(message);
      assertThat(id.find()).isTrue();
      String memberMessage = id.group(1);
      assertThat(got).anyMatch(s -> s.contains("eventDelta=") && s.contains(memberMessage));
      assertThat(got).noneMatch(s -> s.contains("SessionStatusIdle") || s.contains("delegated"));

      var turn = reader.until(e -> e.isSessionStatusIdle());
      assertThat(turn).anyMatch(e -> e.isEventDelta()); // the coordinator's own previews
      assertThat(turn)
          .noneMatch(
              e -> (e.isEventDelta() || e.isEventStart()) && e.toString().contains(memberMessage));
    }
  }

  @Test
  void anInterruptNamingAThreadOfNoOne_isRefused() throws Exception {
    String session = session();
    var r =
        server.call(
            "POST",
            "/v1/sessions/" + session + "/events",
            "{\"events\":[{\"type\":\"user.interrupt\",\"session_thread_id\":\"sthr_nope\"}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains("events[0].session_thread_id");
  }

  static String status(String path) throws Exception {
    return Json.mapper().readTree(server.call("GET", path, null).body()).get("status").asText();
  }

  static String primaryOf(String session) {
    return "sthr_" + session.substring(session.indexOf('_') + 1);
  }
}
