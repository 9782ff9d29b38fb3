package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.testkit.FakeAnthropic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A server process is killed with SIGKILL in the middle of a turn and started again on the same
 * data: the turn completes, no side-effecting tool runs twice, and no event is lost or doubled.
 */
class CrashResumeTest extends ServerProcessTestBase {
  @Test
  void kill9DuringABashCall_resumesWithoutRunningItAgain() throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":\"echo ran >> runs.txt; sleep 30\"}"),
        FakeAnthropic.text("finished after the crash"));
    String session = newSession("[{\"type\":\"agent_toolset_20260401\"}]");
    say(session, "go");
    Path runs = dataDir.resolve("workspaces").resolve(session).resolve("runs.txt");
    await(() -> Files.exists(runs), "the tool to start");
    kill9AndRestart();

    List<JsonNode> log = awaitIdle(session);
    assertThat(Files.readAllLines(runs)).containsExactly("ran");
    assertThat(count(log, "agent.tool_use")).isEqualTo(1);
    JsonNode result = only(log, "agent.tool_result");
    assertThat(result.get("is_error").asBoolean()).isTrue();
    assertThat(result.toString()).contains("unknown");
    assertThat(only(log, "agent.message").toString()).contains("finished after the crash");
    assertNoDuplicates(log);
  }

  @Test
  void kill9DuringAModelCall_reissuesTheRequest() throws Exception {
    fake.enqueue(
        FakeAnthropic.text("never delivered").delay(Duration.ofSeconds(30)),
        FakeAnthropic.text("answered after the crash"));
    String session = newSession("[{\"type\":\"agent_toolset_20260401\"}]");
    say(session, "go");
    fake.awaitRequests(1, Duration.ofSeconds(15));
    kill9AndRestart();

    List<JsonNode> log = awaitIdle(session);
    assertThat(fake.awaitRequests(2, Duration.ofSeconds(5))).hasSize(2);
    assertThat(only(log, "agent.message").toString()).contains("answered after the crash");
    assertThat(count(log, "span.model_request_start")).isEqualTo(2);
    assertThat(count(log, "span.model_request_end")).isEqualTo(2);
    assertNoDuplicates(log);
  }
}
