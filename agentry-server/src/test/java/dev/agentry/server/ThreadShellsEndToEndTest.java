package dev.agentry.server;

import static dev.agentry.server.MultiAgentControlTest.log;
import static dev.agentry.server.MultiAgentControlTest.ofType;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserMessageEventParams;
import com.anthropic.models.beta.sessions.events.EventSendParams;
import com.anthropic.models.beta.sessions.threads.BetaManagedAgentsSessionThread;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.testkit.FakeAnthropic;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each thread of a coordinator session has its own bash shell in the session's one sandbox
 * (docs/decisions/0047), driven through the official Java SDK: two members change their working
 * directory and variables, then report them, each seeing its own, while a file one writes is read
 * by the other. The fake model scripts each agent by its system prompt, so the test holds whether
 * the members run one after the other or side by side.
 */
class ThreadShellsEndToEndTest extends FakeModelServerTestBase {
  static AnthropicClient client;

  @BeforeAll
  static void sdk() {
    client = server.sdk();
  }

  static String agent(String name, String system, String extra) throws Exception {
    return BadInputTest.id(
        server.call(
            "POST",
            "/v1/agents",
            "{\"name\":\""
                + name
                + "\",\"system\":\""
                + system
                + "\",\"model\":\"claude-sonnet-4-6\",\"tools\":[{\"type\":\"agent_toolset_20260401\"}]"
                + extra
                + "}"));
  }

  static FakeAnthropic.Reply bash(String command) {
    return FakeAnthropic.toolUse(
        "bash", dev.agentry.core.Json.mapper().createObjectNode().put("command", command));
  }

  /** Sends {@code message} to alpha and beta: new threads, or theirs when the ids are given. */
  static FakeAnthropic.Reply delegate(String message, String alphaThread, String betaThread) {
    return FakeAnthropic.Reply.of(
        FakeAnthropic.toolUseBlock("send_to_agent", send("alpha", message, alphaThread)),
        FakeAnthropic.toolUseBlock("send_to_agent", send("beta", message, betaThread)));
  }

  static String send(String agentName, String message, String threadId) {
    var input =
        dev.agentry.core.Json.mapper()
            .createObjectNode()
            .put("agent_name", agentName)
            .put("message", message);
    if (threadId != null) {
      input.put("session_thread_id", threadId);
    }
    return input.toString();
  }

  /** Says {@code text} and waits for the coordinator's {@code n}th end of turn. */
  static List<JsonNode> turn(String session, String text, int n) {
    client
        .beta()
        .sessions()
        .events()
        .send(
            session,
            EventSendParams.builder()
                .addEvent(
                    BetaManagedAgentsUserMessageEventParams.builder().addTextContent(text).build())
                .build());
    return Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> log("/v1/sessions/" + session + "/events"),
            l -> ofType(l, "session.status_idle").size() >= n);
  }

  /** The text of every bash result on thread {@code tid}, in order. */
  static List<String> results(String session, String tid) throws Exception {
    return ofType(
            log("/v1/sessions/" + session + "/threads/" + tid + "/events"), "agent.tool_result")
        .stream()
        .map(e -> e.path("content").path(0).path("text").asText())
        .toList();
  }

  @Test
  void eachMemberThreadHasItsOwnShell_overTheSessionsOneFilesystem() throws Exception {
    String alpha = agent("alpha", "sys-alpha", "");
    String beta = agent("beta", "sys-beta", "");
    String boss =
        agent(
            "boss",
            "sys-boss",
            ",\"multiagent\":{\"type\":\"coordinator\",\"agents\":[\""
                + alpha
                + "\",\""
                + beta
                + "\"]}");
    String session =
        client
            .beta()
            .sessions()
            .create(SessionCreateParams.builder().agent(boss).environmentId(envId).build())
            .id();

    fake.enqueueFor(
        "sys-boss", delegate("set up", null, null), FakeAnthropic.text("waiting for both"));
    fake.enqueueFor(
        "sys-alpha",
        bash("echo from-alpha > shared.txt && cd /tmp && export X=a"),
        FakeAnthropic.text("alpha set up"));
    fake.enqueueFor("sys-beta", bash("export X=b"), FakeAnthropic.text("beta set up"));
    List<JsonNode> first = turn(session, "set up", 1);
    assertThat(
            ofType(first, "session.status_idle")
                .getLast()
                .path("stop_reason")
                .path("type")
                .asText())
        .isEqualTo("end_turn");

    List<BetaManagedAgentsSessionThread> threads =
        client.beta().sessions().threads().list(session).data();
    assertThat(threads).hasSize(3);
    String alphaThread = threadOf(threads, "alpha");
    String betaThread = threadOf(threads, "beta");

    fake.enqueueFor(
        "sys-boss",
        delegate("report", alphaThread, betaThread),
        FakeAnthropic.text("waiting again"));
    fake.enqueueFor("sys-alpha", bash("pwd; echo $X"), FakeAnthropic.text("alpha reported"));
    fake.enqueueFor(
        "sys-beta", bash("pwd; echo $X; cat shared.txt"), FakeAnthropic.text("beta reported"));
    turn(session, "report", 2);
    assertThat(client.beta().sessions().threads().list(session).data()).hasSize(3);
    List<String> a = results(session, alphaThread);
    List<String> b = results(session, betaThread);
    assertThat(a).hasSize(2);
    assertThat(b).hasSize(2);
    // alpha's cd and export stayed in alpha's shell; beta's shell is still where it started
    assertThat(a.get(1)).isEqualTo("/tmp\na\n");
    assertThat(b.get(1)).doesNotStartWith("/tmp").endsWith("\nb\nfrom-alpha\n");
    assertThat(fake.pending()).isZero();
  }

  private static String threadOf(List<BetaManagedAgentsSessionThread> threads, String agentName) {
    return threads.stream()
        .filter(t -> t.agent().name().orElse("").equals(agentName))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no thread of " + agentName + " in " + threads))
        .id();
  }
}
