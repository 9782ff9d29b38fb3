package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A server process is killed with SIGKILL after the agent wrote to a memory mount and before the
 * sync that follows the tool call: the write is on the node's disk, and the turn that resumes after
 * the restart sends it to the store.
 */
class MemoryCrashTest extends ServerProcessTestBase {
  @Test
  void kill9BetweenAWriteAndItsSync_theResumedTurnSyncsIt() throws Exception {
    String store = id(call("POST", "/v1/memory_stores", "{\"name\":\"Crash\"}"));
    String agent =
        id(
            call(
                "POST",
                "/v1/agents",
                "{\"name\":\"c\",\"model\":\"claude-sonnet-4-6\","
                    + "\"tools\":[{\"type\":\"agent_toolset_20260401\"}]}"));
    String env = id(call("POST", "/v1/environments", "{\"name\":\"c" + System.nanoTime() + "\"}"));
    var created =
        call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\""
                + agent
                + "\",\"environment_id\":\""
                + env
                + "\",\"resources\":[{\"type\":\"memory_store\",\"memory_store_id\":\""
                + store
                + "\"}]}");
    JsonNode session = Json.mapper().readTree(created.body());
    String sessionId = id(created);
    String resource = session.at("/resources/0/id").asText();
    fake.enqueue(
        FakeAnthropic.toolUse(
            "bash", "{\"command\":\"printf kept > /mnt/memory/crash/note.md; sleep 30\"}"),
        FakeAnthropic.text("finished after the crash"));
    say(sessionId, "go");
    Path written =
        dataDir
            .resolve("session-mounts")
            .resolve(sessionId)
            .resolve("memory")
            .resolve(resource)
            .resolve("note.md");
    await(() -> Files.exists(written), "the agent's write");
    String memories = "/v1/memory_stores/" + store + "/memories";
    assertThat(call("GET", memories, null).body()).doesNotContain("note.md");

    kill9AndRestart();

    List<JsonNode> log = awaitIdle(sessionId);
    assertThat(only(log, "agent.message").toString()).contains("finished after the crash");
    await(() -> call("GET", memories, null).body().contains("/note.md"), "the memory");
    JsonNode listed = Json.mapper().readTree(call("GET", memories + "?view=full", null).body());
    assertThat(listed.at("/data/0/content").asText()).isEqualTo("kept");
    JsonNode versions =
        Json.mapper()
            .readTree(call("GET", "/v1/memory_stores/" + store + "/memory_versions", null).body());
    assertThat(versions.at("/data/0/created_by/session_id").asText()).isEqualTo(sessionId);
  }
}
