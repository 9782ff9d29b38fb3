package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsEventParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsStreamSessionEvents;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserInterruptEventParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserToolConfirmationEventParams;
import com.anthropic.models.beta.sessions.events.EventSendParams;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A coordinator and a member whose bash always asks (docs/decisions/0033): the member's call is
 * cross-posted to the session stream and answered there, routed by tool-use id; interrupts of one
 * thread and of all; the shared budget.
 */
class MultiAgentControlTest extends FakeModelServerTestBase {
  static final String ASK_BASH =
      "[{\"type\":\"agent_toolset_20260401\",\"configs\":[{\"name\":\"bash\","
          + "\"permission_policy\":{\"type\":\"always_ask\"}}]}]";

  static AnthropicClient client;
  static String reviewer;

  @BeforeAll
  static void agents() throws Exception {
    client = server.sdk();
    reviewer =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"reviewer\",\"model\":\"claude-sonnet-4-6\",\"tools\":"
                    + ASK_BASH
                    + "}"));
  }

  /** A session of a coordinator without tools whose roster is the reviewer. */
  static String session(String budget) throws Exception {
    String lead =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"lead\",\"model\":\"claude-sonnet-4-6\",\"multiagent\":"
                    + "{\"type\":\"coordinator\",\"agents\":[\""
                    + reviewer
                    + "\"]}}"));
    var r =
        server.call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\""
                + lead
                + "\",\"environment_id\":\""
                + envId
                + "\""
                + (budget == null ? "" : ",\"budget\":" + budget)
                + "}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return BadInputTest.id(r);
  }

  static List<JsonNode> log(String path) throws Exception {
    var r = server.call("GET", path, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    Json.mapper().readTree(r.body()).get("data").forEach(out::add);
    return out;
  }

  static List<JsonNode> ofType(List<JsonNode> log, String type) {
    return log.stream().filter(e -> e.get("type").asText().equals(type)).toList();
  }

  /** The session's events once {@code ready} holds of them. */
  static List<JsonNode> await(String session, java.util.function.Predicate<List<JsonNode>> ready) {
    return Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> log("/v1/sessions/" + session + "/events"), ready);
  }

  static JsonNode thread(String session, String tid) throws Exception {
    return Json.mapper()
        .readTree(server.call("GET", "/v1/sessions/" + session + "/threads/" + tid, null).body());
  }

  /** Delegates to the reviewer, whose bash call then waits for a confirmation. */
  static JsonNode delegateUntilAsked(String session, String file) throws Exception {
    fake.enqueueFor(
        MultiAgentEndToEndTest::byCoordinator,
        FakeAnthropic.toolUse("send_to_agent", MultiAgentEndToEndTest.send("reviewer", "check")),
        FakeAnthropic.text("waiting for the reviewer"));
    fake.enqueueFor(
        MultiAgentEndToEndTest::byMember,
        FakeAnthropic.toolUse("bash", "{\"command\":\"echo ok >> " + file + "\"}"));
    say(session, "review it");
    List<JsonNode> log = await(session, l -> !asked(l).isEmpty() && !waitsOnClient(l).isEmpty());
    return asked(log).getFirst();
  }

  /** The members' stops on {@code requires_action}, on the session stream. */
  static List<JsonNode> waitsOnClient(List<JsonNode> log) {
    return ofType(log, "session.thread_status_idle").stream()
        .filter(e -> e.at("/stop_reason/type").asText().equals("requires_action"))
        .toList();
  }

  /** The member's calls cross-posted to the session stream (the coordinator's own are not). */
  static List<JsonNode> asked(List<JsonNode> log) {
    return ofType(log, "agent.tool_use").stream().filter(e -> e.has("session_thread_id")).toList();
  }

  static void say(String session, String text) {
    sendEvent(
        session,
        BetaManagedAgentsEventParams.ofUserMessage(
            com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserMessageEventParams
                .builder()
                .addTextContent(text)
                .build()));
  }

  static void sendEvent(String session, BetaManagedAgentsEventParams event) {
    client
        .beta()
        .sessions()
        .events()
        .send(session, EventSendParams.builder().addEvent(event).build());
  }

  @Test
  void membersAskingCall_isCrossPostedToTheSessionStream_andTheAnswerIsRoutedToIt()
      throws Exception {
    String session = session(null);
    JsonNode use = delegateUntilAsked(session, "reviewed.txt");
    String child = use.get("session_thread_id").asText();
    assertThat(child).startsWith("sthr_");
    assertThat(use.get("evaluated_permission").asText()).isEqualTo("ask");
    assertThat(thread(session, child).get("status").asText()).isEqualTo("idle");
    Path file = dataDir.resolve("workspaces").resolve(session).resolve("reviewed.txt");
    assertThat(file).doesNotExist();

    fake.enqueueFor(MultiAgentEndToEndTest::byMember, FakeAnthropic.text("reviewed: ok"));
    fake.enqueueFor(
        MultiAgentEndToEndTest::byCoordinator, FakeAnthropic.text("the reviewer is done"));
    sendEvent(
        session,
        BetaManagedAgentsEventParams.ofUserToolConfirmation(
            BetaManagedAgentsUserToolConfirmationEventParams.builder()
                .toolUseId(use.get("id").asText())
                .result(BetaManagedAgentsUserToolConfirmationEventParams.Result.ALLOW)
                .build()));
    List<JsonNode> log = await(session, l -> !ofType(l, "session.status_idle").isEmpty());
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
    assertThat(Files.readAllLines(file)).containsExactly("ok");
    // The member's result and messages stay on its thread; its reply reaches the coordinator.
    assertThat(ofType(log, "agent.tool_result"))
        .noneMatch(r -> r.get("tool_use_id").asText().equals(use.get("id").asText()));
    assertThat(ofType(log, "agent.thread_message_received").getFirst().toString())
        .contains("reviewed: ok");
    List<JsonNode> own = log("/v1/sessions/" + session + "/threads/" + child + "/events");
    assertThat(ofType(own, "agent.tool_result")).hasSize(1);
    assertThat(ofType(own, "agent.tool_use")).hasSize(1);
  }

  @Test
  void interruptOfOneThread_stopsOnlyThatThread() throws Exception {
    String session = session(null);
    JsonNode use = delegateUntilAsked(session, "never1.txt");
    String child = use.get("session_thread_id").asText();
    sendEvent(
        session,
        BetaManagedAgentsEventParams.ofUserInterrupt(
            BetaManagedAgentsUserInterruptEventParams.builder().sessionThreadId(child).build()));
    List<JsonNode> log = await(session, l -> !ofType(l, "session.status_idle").isEmpty());
    List<JsonNode> own = log("/v1/sessions/" + session + "/threads/" + child + "/events");
    JsonNode result = ofType(own, "agent.tool_result").getFirst();
    assertThat(result.get("is_error").asBoolean()).isTrue();
    assertThat(result.toString()).contains("interrupted before completion");
    JsonNode childIdle = ofType(log, "session.thread_status_idle").getLast();
    assertThat(childIdle.get("session_thread_id").asText()).isEqualTo(child);
    assertThat(childIdle.at("/stop_reason/type").asText()).isEqualTo("end_turn");
    // The coordinator was not interrupted: it ended its own turn once its member stopped.
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
    assertThat(ofType(log, "agent.thread_message_received")).isEmpty();
    assertThat(dataDir.resolve("workspaces").resolve(session).resolve("never1.txt")).doesNotExist();
  }

  @Test
  void interruptWithoutThread_stopsEveryThread() throws Exception {
    String session = session(null);
    JsonNode use = delegateUntilAsked(session, "never2.txt");
    String child = use.get("session_thread_id").asText();
    int requests = fake.requests().size();
    sendEvent(
        session,
        BetaManagedAgentsEventParams.ofUserInterrupt(
            BetaManagedAgentsUserInterruptEventParams.builder().build()));
    await(session, l -> !ofType(l, "session.status_idle").isEmpty());
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> thread(session, child).get("status").asText().equals("idle"));
    List<JsonNode> own = log("/v1/sessions/" + session + "/threads/" + child + "/events");
    assertThat(ofType(own, "agent.tool_result").getFirst().get("is_error").asBoolean()).isTrue();
    assertThat(ofType(own, "user.interrupt")).hasSize(1);
    assertThat(fake.requests()).hasSize(requests); // nobody sampled the model again
  }

  @Test
  void sharedBudget_eachThreadStopsByItself_thenTheCoordinator() throws Exception {
    String session = session(BudgetEndToEndTest.budget("40"));
    fake.enqueue(
        FakeAnthropic.toolUse("send_to_agent", MultiAgentEndToEndTest.send("reviewer", "check"))
            .usage(100_000, 10_000));
    int requests = fake.requests().size();
    say(session, "review it");
    List<JsonNode> log = await(session, l -> !ofType(l, "session.status_idle").isEmpty());
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("budget_reached");
    JsonNode childIdle = ofType(log, "session.thread_status_idle").getFirst();
    assertThat(childIdle.at("/stop_reason/type").asText()).isEqualTo("budget_reached");
    assertThat(ofType(log, "session.status_idle")).hasSize(1);
    assertThat(fake.requests()).hasSize(requests + 1); // the member never sampled
    assertThat(BudgetEndToEndTest.get(session).get("status").asText()).isEqualTo("idle");
  }

  static boolean isIdle(BetaManagedAgentsStreamSessionEvents e) {
    return e.isSessionStatusIdle();
  }
}
