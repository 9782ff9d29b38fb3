package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.testkit.FakeAnthropic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A pending always_ask confirmation lives only in the log: the server is killed with SIGKILL while
 * the session waits, restarted, and the confirmation sent to the new process runs the tool once.
 */
class PermissionCrashTest extends ServerProcessTestBase {
  @Test
  void kill9WhileAwaitingConfirmation_thenAllow_runsTheToolOnce() throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":\"echo ran >> runs.txt\"}"),
        FakeAnthropic.text("finished after the restart"));
    String session = newSession(PermissionEndToEndTest.ASK_BASH);
    say(session, "go");
    List<JsonNode> log = awaitIdle(session);
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("requires_action");
    String useId = only(log, "agent.tool_use").get("id").asText();
    kill9AndRestart();

    var r =
        call(
            "POST",
            "/v1/sessions/" + session + "/events",
            "{\"events\":[{\"type\":\"user.tool_confirmation\",\"tool_use_id\":\""
                + useId
                + "\",\"result\":\"allow\"}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    Path runs = dataDir.resolve("workspaces").resolve(session).resolve("runs.txt");
    await(
        () -> events(session).getLast().at("/stop_reason/type").asText().equals("end_turn"),
        "the turn to end");
    log = events(session);
    assertThat(Files.readAllLines(runs)).containsExactly("ran");
    assertThat(only(log, "agent.tool_result").get("is_error").asBoolean()).isFalse();
    assertThat(only(log, "agent.message").toString()).contains("finished after the restart");
    assertNoDuplicates(log);
  }
}
