package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsStreamSessionEvents;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserMessageEventParams;
import com.anthropic.models.beta.sessions.events.EventSendParams;
import com.anthropic.models.beta.sessions.threads.BetaManagedAgentsSessionThread;
import com.anthropic.models.beta.sessions.threads.BetaManagedAgentsSessionThreadStatus;
import com.anthropic.models.beta.sessions.threads.ThreadRetrieveParams;
import com.anthropic.models.beta.sessions.threads.events.EventListParams;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A coordinator delegates through {@code send_to_agent}, driven through the official Java SDK with
 * the fake Anthropic endpoint scripting every model request (docs/decisions/0033). Threads step at
 * once, so the coordinator's requests and its members' are scripted apart ({@link #byCoordinator},
 * {@link #byMember}).
 */
class MultiAgentEndToEndTest extends FakeModelServerTestBase {
  static AnthropicClient client;

  @BeforeAll
  static void sdk() {
    client = server.sdk();
  }

  /** Reads a stream on a virtual thread into a queue until closed. */
  static final class Reader implements AutoCloseable {
    final BlockingQueue<BetaManagedAgentsStreamSessionEvents> events = new LinkedBlockingQueue<>();
    final StreamResponse<BetaManagedAgentsStreamSessionEvents> stream;

    Reader(StreamResponse<BetaManagedAgentsStreamSessionEvents> stream) {
      this.stream = stream;
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  stream.stream().forEach(events::add);
                } catch (RuntimeException closed) {
                  // the test closed the stream
                }
              });
    }

    /** Events up to and including the first that {@code last} accepts. */
    List<BetaManagedAgentsStreamSessionEvents> until(
        Predicate<BetaManagedAgentsStreamSessionEvents> last) throws InterruptedException {
      List<BetaManagedAgentsStreamSessionEvents> out = new ArrayList<>();
      while (true) {
        var e = events.poll(20, TimeUnit.SECONDS);
        assertThat(e).as("an event before the timeout; got " + out).isNotNull();
        out.add(e);
        if (last.test(e)) {
          return out;
        }
      }
    }

    @Override
    public void close() {
      stream.close();
    }
  }

  /** An agent whose roster is {@code roster} (JSON array), and a session of it. */
  static String coordinatorSession(String name, String tools, String roster) throws Exception {
    String agent =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\""
                    + name
                    + "\",\"model\":\"claude-sonnet-4-6\",\"tools\":"
                    + tools
                    + ",\"multiagent\":{\"type\":\"coordinator\",\"agents\":"
                    + roster
                    + "}}"));
    return client
        .beta()
        .sessions()
        .create(SessionCreateParams.builder().agent(agent).environmentId(envId).build())
        .id();
  }

  static void say(String sessionId, String text) {
    client
        .beta()
        .sessions()
        .events()
        .send(
            sessionId,
            EventSendParams.builder()
                .addEvent(
                    BetaManagedAgentsUserMessageEventParams.builder().addTextContent(text).build())
                .build());
  }

  /** A coordinator's request: it offers the delegation tools, which its members never get. */
  static boolean byCoordinator(FakeAnthropic.RecordedRequest r) {
    for (JsonNode tool : r.body().path("tools")) {
      if (tool.path("name").asText().equals("send_to_agent")) {
        return true;
      }
    }
    return false;
  }

  static boolean byMember(FakeAnthropic.RecordedRequest r) {
    return r.path().equals("/v1/messages") && !byCoordinator(r);
  }

  static String send(String agentName, String message) {
    return "{\"agent_name\":\"" + agentName + "\",\"message\":\"" + message + "\"}";
  }

  static JsonNode json(Object sdkEvent) throws Exception {
    return Json.mapper().valueToTree(sdkEvent);
  }

  static List<JsonNode> raw(String path) throws Exception {
    var r = server.call("GET", path, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    Json.mapper().readTree(r.body()).get("data").forEach(out::add);
    return out;
  }

  static List<String> types(List<JsonNode> events) {
    return events.stream().map(e -> e.get("type").asText()).toList();
  }

  @Test
  void coordinatorDelegatesToItsSelfCopy_andTheReplyComesBackInALaterStep() throws Exception {
    fake.enqueueFor(
        MultiAgentEndToEndTest::byCoordinator,
        FakeAnthropic.toolUse("send_to_agent", send("boss", "count the files")),
        FakeAnthropic.text("I asked a helper."),
        FakeAnthropic.text("The helper counted 3."));
    // Slow enough that the coordinator's second request has its answer first.
    fake.enqueueFor(
        MultiAgentEndToEndTest::byMember,
        FakeAnthropic.text("There are 3 files.").delay(Duration.ofMillis(500)));
    String session =
        coordinatorSession(
            "boss", "[{\"type\":\"agent_toolset_20260401\"}]", "[{\"type\":\"self\"}]");
    int base = fake.requests().size();
    try (Reader reader = new Reader(client.beta().sessions().events().streamStreaming(session))) {
      SdkCompatibilityTest.awaitSubscribers(server, 1);
      say(session, "how many files?");
      var turn = reader.until(BetaManagedAgentsStreamSessionEvents::isSessionStatusIdle);
      assertThat(turn.getLast().asSessionStatusIdle().stopReason().isEndTurn()).isTrue();
      var created = turn.stream().filter(e -> e.isSessionThreadCreated()).toList();
      assertThat(created).hasSize(1);
      String child = created.getFirst().asSessionThreadCreated().sessionThreadId();
      assertThat(created.getFirst().asSessionThreadCreated().agentName()).isEqualTo("boss");
      var sent = turn.stream().filter(e -> e.isAgentThreadMessageSent()).toList();
      assertThat(sent).hasSize(1);
      assertThat(sent.getFirst().asAgentThreadMessageSent().toSessionThreadId()).isEqualTo(child);
      var received = turn.stream().filter(e -> e.isAgentThreadMessageReceived()).toList();
      assertThat(received).hasSize(1);
      assertThat(received.getFirst().asAgentThreadMessageReceived().fromSessionThreadId())
          .isEqualTo(child);
      assertThat(received.getFirst().toString()).contains("There are 3 files.");
      assertThat(received.getFirst().asAgentThreadMessageReceived().processedAt()).isNotNull();
      // The member's own trace stays on its thread: its message is not on the session stream.
      assertThat(
              turn.stream()
                  .filter(e -> e.isAgentMessage())
                  .map(Object::toString)
                  .filter(s -> s.contains("There are 3 files.")))
          .isEmpty();
      assertThat(turn.stream().filter(e -> e.isSessionStatusIdle())).hasSize(1);
      assertThat(turn.stream().filter(e -> e.isSessionThreadStatusIdle())).hasSize(1);

      // The member ran on its own conversation; the coordinator read the reply in a later step.
      var requests = fake.awaitRequests(base + 4, Duration.ofSeconds(5));
      requests = requests.subList(base, requests.size());
      var coordinators = requests.stream().filter(MultiAgentEndToEndTest::byCoordinator).toList();
      assertThat(coordinators).hasSize(3);
      String first = coordinators.getFirst().body().toString();
      assertThat(first).contains("send_to_agent").contains("list_agents");
      var members = requests.stream().filter(MultiAgentEndToEndTest::byMember).toList();
      assertThat(members).hasSize(1);
      String member = members.getFirst().body().toString();
      assertThat(member).contains("count the files").doesNotContain("how many files?");
      assertThat(member).doesNotContain("send_to_agent");
      String last = coordinators.getLast().body().toString();
      assertThat(last).contains("There are 3 files.").contains("Message from agent boss");

      // The threads: the primary first, then the member's.
      List<BetaManagedAgentsSessionThread> threads =
          client.beta().sessions().threads().list(session).data();
      assertThat(threads).hasSize(2);
      assertThat(threads.get(0).parentThreadId()).isEmpty();
      assertThat(threads.get(1).id()).isEqualTo(child);
      assertThat(threads.get(1).parentThreadId()).contains(threads.get(0).id());
      assertThat(threads.get(1).status()).isEqualTo(BetaManagedAgentsSessionThreadStatus.IDLE);
      assertThat(threads.get(1).usage().orElseThrow().outputTokens().orElseThrow()).isPositive();
      var one =
          client
              .beta()
              .sessions()
              .threads()
              .retrieve(child, ThreadRetrieveParams.builder().sessionId(session).build());
      assertThat(one.id()).isEqualTo(child);

      // The member's thread events: what it received, said and sent back.
      var own =
          client
              .beta()
              .sessions()
              .threads()
              .events()
              .list(child, EventListParams.builder().sessionId(session).build())
              .data();
      List<String> ownTypes = own.stream().map(e -> typeOf(e.toString())).toList();
      assertThat(ownTypes)
          .contains("agent.thread_message_received", "agent.message", "agent.thread_message_sent")
          .doesNotContain("session.thread_created", "user.message");
    }
  }

  private static String typeOf(String sdkToString) {
    for (String t :
        List.of(
            "agent.thread_message_received",
            "agent.thread_message_sent",
            "agent.message",
            "session.thread_created",
            "user.message")) {
      if (sdkToString.contains("type=" + t) || sdkToString.contains("\"" + t + "\"")) {
        return t;
      }
    }
    return sdkToString;
  }
}
