package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A server is killed with SIGKILL while the coordinator waits and its member runs a tool
 * (docs/decisions/0033): after the restart both threads resume from the log, the member's tool is
 * not run again, and no message between them is delivered twice.
 */
class MultiAgentCrashTest extends ServerProcessTestBase {
  @Test
  void kill9WhileAMemberRunsATool_resumesBothThreads() throws Exception {
    fake.enqueueFor(
        MultiAgentEndToEndTest::byCoordinator,
        FakeAnthropic.toolUse("send_to_agent", MultiAgentEndToEndTest.send("c", "run it")),
        FakeAnthropic.text("waiting for my helper"),
        FakeAnthropic.text("done after the crash"));
    fake.enqueueFor(
        MultiAgentEndToEndTest::byMember,
        FakeAnthropic.toolUse("bash", "{\"command\":\"echo ran >> runs.txt; sleep 30\"}"),
        FakeAnthropic.text("the run's outcome is unknown"));
    String agent =
        id(
            call(
                "POST",
                "/v1/agents",
                "{\"name\":\"c\",\"model\":\"claude-sonnet-4-6\",\"tools\":"
                    + "[{\"type\":\"agent_toolset_20260401\"}],\"multiagent\":"
                    + "{\"type\":\"coordinator\",\"agents\":[{\"type\":\"self\"}]}}"));
    String env = id(call("POST", "/v1/environments", "{\"name\":\"c" + System.nanoTime() + "\"}"));
    String session =
        id(
            call(
                "POST",
                "/v1/sessions",
                "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
    say(session, "go");
    Path runs = dataDir.resolve("workspaces").resolve(session).resolve("runs.txt");
    await(() -> Files.exists(runs), "the member's tool to start");
    // The coordinator's own request, made while its member works, is answered before the crash.
    await(() -> count(events(session), "agent.message") == 1, "the coordinator to wait");
    kill9AndRestart();

    List<JsonNode> log = awaitIdle(session);
    assertThat(Files.readAllLines(runs)).containsExactly("ran");
    assertThat(count(log, "session.thread_created")).isEqualTo(1);
    assertThat(count(log, "agent.thread_message_sent")).isEqualTo(1);
    JsonNode reply = only(log, "agent.thread_message_received");
    assertThat(reply.toString()).contains("the run's outcome is unknown");
    assertThat(count(log, "agent.message")).isEqualTo(2); // the coordinator's: before and after
    assertThat(log.stream().filter(e -> e.get("type").asText().equals("agent.message")))
        .last()
        .asString()
        .contains("done after the crash");
    assertNoDuplicates(log);

    String child = only(log, "session.thread_created").get("session_thread_id").asText();
    List<JsonNode> own = threadEvents(session, child);
    assertThat(count(own, "agent.tool_use")).isEqualTo(1);
    JsonNode result = only(own, "agent.tool_result");
    assertThat(result.get("is_error").asBoolean()).isTrue();
    assertThat(result.toString()).contains("unknown");
    assertThat(count(own, "agent.thread_message_received")).isEqualTo(1);
    assertThat(count(own, "agent.thread_message_sent")).isEqualTo(1);
    assertThat(own.stream().map(e -> e.get("id").asText())).doesNotHaveDuplicates();
    var requests = fake.awaitRequests(5, Duration.ofSeconds(5));
    assertThat(requests).hasSize(5);
    assertThat(requests.getLast().body().toString().split("the run's outcome is unknown", -1))
        .hasSize(2); // the reply is in the coordinator's context once
  }

  List<JsonNode> threadEvents(String session, String thread) throws Exception {
    var body =
        Json.mapper()
            .readTree(
                call("GET", "/v1/sessions/" + session + "/threads/" + thread + "/events", null)
                    .body());
    List<JsonNode> out = new ArrayList<>();
    body.get("data").forEach(out::add);
    return out;
  }
}
