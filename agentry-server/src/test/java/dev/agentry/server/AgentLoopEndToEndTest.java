package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Whole turns through the real server: user events in over HTTP, the harness calling the fake
 * Anthropic endpoint over HTTP (as a user's proxy would be reached through ANTHROPIC_BASE_URL),
 * tools in the real sandbox, and the events read back from the log.
 */
class AgentLoopEndToEndTest extends FakeModelServerTestBase {
  static String agent(String tools) throws Exception {
    return BadInputTest.id(
        server.call(
            "POST",
            "/v1/agents",
            "{\"name\":\"e2e\",\"model\":\"claude-sonnet-4-6\",\"system\":\"Be brief.\",\"tools\":"
                + tools
                + "}"));
  }

  static String session(String agentId) throws Exception {
    return BadInputTest.id(
        server.call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\"" + agentId + "\",\"environment_id\":\"" + envId + "\"}"));
  }

  static void send(String session, String eventsJson) {
    HttpResponse<String> r =
        server.call(
            "POST", "/v1/sessions/" + session + "/events", "{\"events\":[" + eventsJson + "]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  static void say(String session, String text) {
    say(server, session, text);
  }

  static void say(TestServer server, String session, String text) {
    HttpResponse<String> r =
        server.call(
            "POST",
            "/v1/sessions/" + session + "/events",
            "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\""
                + text
                + "\"}]}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  static List<JsonNode> events(String session) throws Exception {
    var body =
        Json.mapper()
            .readTree(server.call("GET", "/v1/sessions/" + session + "/events", null).body());
    List<JsonNode> out = new ArrayList<>();
    body.get("data").forEach(out::add);
    return out;
  }

  static List<String> types(List<JsonNode> events) {
    return events.stream().map(e -> e.get("type").asText()).toList();
  }

  /** Waits until the log holds {@code count} idle events, and returns the log. */
  static List<JsonNode> awaitIdle(String session, int count) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      List<JsonNode> log = events(session);
      if (types(log).stream().filter("session.status_idle"::equals).count() >= count) {
        return log;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("session did not go idle: " + types(events(session)));
  }

  static JsonNode last(List<JsonNode> log, String type) {
    return log.reversed().stream()
        .filter(e -> e.get("type").asText().equals(type))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void plainReply_emitsTheTurnInOrder() throws Exception {
    fake.enqueue(FakeAnthropic.text("Hello there."));
    int base = fake.requests().size();
    String session = session(agent("[]"));
    say(session, "hi");
    List<JsonNode> log = awaitIdle(session, 1);
    assertThat(types(log))
        .containsExactly(
            "user.message",
            "session.status_running",
            "span.model_request_start",
            "agent.message",
            "span.model_request_end",
            "session.usage",
            "session.status_idle");
    assertThat(log.getFirst().get("processed_at").isNull()).isFalse();
    assertThat(last(log, "agent.message").toString()).contains("Hello there.");
    assertThat(last(log, "session.status_idle").at("/stop_reason/type").asText())
        .isEqualTo("end_turn");
    var request = fake.requests().get(base);
    assertThat(request.body().at("/model").asText()).isEqualTo("claude-sonnet-4-6");
    assertThat(request.body().toString()).contains("Be brief.").contains("hi");
    // The idle event is journalled before the status column follows it (a crash in between
    // leaves a session the next start finishes), so the status may lag the event briefly.
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    String status = "";
    while (!status.equals("idle") && System.nanoTime() < deadline) {
      status =
          Json.mapper()
              .readTree(server.call("GET", "/v1/sessions/" + session, null).body())
              .get("status")
              .asText();
    }
    assertThat(status).isEqualTo("idle");
  }

  @Test
  void bashTool_runsInTheSandbox_andItsResultGoesBackToTheModel() throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse(
            "bash", "{\"command\":\"echo sandboxed > f.txt && cat f.txt && id -u\"}"),
        FakeAnthropic.text("done"));
    int base = fake.requests().size();
    String session = session(agent("[{\"type\":\"agent_toolset_20260401\"}]"));
    say(session, "run it");
    List<JsonNode> log = awaitIdle(session, 1);
    JsonNode use = last(log, "agent.tool_use");
    JsonNode result = last(log, "agent.tool_result");
    assertThat(use.get("name").asText()).isEqualTo("bash");
    assertThat(result.get("tool_use_id").asText()).isEqualTo(use.get("id").asText());
    assertThat(result.toString()).contains("sandboxed");
    assertThat(types(log))
        .containsSubsequence(
            "agent.tool_use", "agent.tool_result", "agent.message", "session.status_idle");
    var second = fake.awaitRequests(base + 2, Duration.ofSeconds(5)).get(base + 1);
    assertThat(second.body().toString()).contains("tool_result").contains("sandboxed");
    assertThat(dataDir.resolve("workspaces").resolve(session).resolve("f.txt")).exists();
  }

  @Test
  void writeThenRead_roundTripsThroughTheWorkspace() throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse(
            "write", "{\"file_path\":\"notes/plan.md\",\"content\":\"step one\\nstep two\\n\"}"),
        FakeAnthropic.toolUse("read", "{\"file_path\":\"/workspace/notes/plan.md\"}"),
        FakeAnthropic.text("read it"));
    String session = session(agent("[{\"type\":\"agent_toolset_20260401\"}]"));
    say(session, "write and read");
    List<JsonNode> log = awaitIdle(session, 1);
    List<JsonNode> results =
        log.stream().filter(e -> e.get("type").asText().equals("agent.tool_result")).toList();
    assertThat(results).hasSize(2);
    assertThat(results.get(1).toString()).contains("step two");
  }

  @Test
  void customTool_waitsForTheClient_thenResumes() throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse("get_weather", "{\"city\":\"Oslo\"}"),
        FakeAnthropic.text("It is 3 degrees."));
    int base = fake.requests().size();
    String session =
        session(
            agent(
                "[{\"type\":\"custom\",\"name\":\"get_weather\",\"description\":\"weather\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}]"));
    say(session, "weather?");
    List<JsonNode> log = awaitIdle(session, 1);
    JsonNode use = last(log, "agent.custom_tool_use");
    JsonNode idle = last(log, "session.status_idle");
    assertThat(idle.at("/stop_reason/type").asText()).isEqualTo("requires_action");
    assertThat(idle.at("/stop_reason/event_ids/0").asText()).isEqualTo(use.get("id").asText());

    send(
        session,
        "{\"type\":\"user.custom_tool_result\",\"custom_tool_use_id\":\""
            + use.get("id").asText()
            + "\",\"content\":[{\"type\":\"text\",\"text\":\"3C\"}]}");
    log = awaitIdle(session, 2);
    assertThat(last(log, "session.status_idle").at("/stop_reason/type").asText())
        .isEqualTo("end_turn");
    assertThat(last(log, "agent.message").toString()).contains("3 degrees");
    assertThat(fake.awaitRequests(base + 2, Duration.ofSeconds(5)).get(base + 1).body().toString())
        .contains("3C");
  }

  @Test
  void interrupt_duringASlowModelCall_endsTheTurnQuickly() throws Exception {
    fake.enqueue(FakeAnthropic.text("too late").delay(Duration.ofSeconds(30)));
    int base = fake.requests().size();
    String session = session(agent("[]"));
    say(session, "slow");
    fake.awaitRequests(base + 1, Duration.ofSeconds(5));
    long start = System.nanoTime();
    send(session, "{\"type\":\"user.interrupt\"}");
    List<JsonNode> log = awaitIdle(session, 1);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(last(log, "session.status_idle").at("/stop_reason/type").asText())
        .isEqualTo("end_turn");
    assertThat(types(log)).doesNotContain("agent.message");
  }

  @Test
  void interrupt_duringASleepingTool_killsIt() throws Exception {
    // A sleep no other test runs, so its command line finds it among the host's processes.
    String marker = "2468013579";
    fake.enqueue(FakeAnthropic.toolUse("bash", "{\"command\":\"sleep " + marker + "\"}"));
    String session = session(agent("[{\"type\":\"agent_toolset_20260401\"}]"));
    say(session, "sleep");
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> !hostProcessesWith(marker).isEmpty());
    long start = System.nanoTime();
    send(session, "{\"type\":\"user.interrupt\"}");
    List<JsonNode> log = awaitIdle(session, 1);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    JsonNode result = last(log, "agent.tool_result");
    assertThat(result.get("is_error").asBoolean()).isTrue();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(hostProcessesWith(marker)).as("the sleep").isEmpty());
  }

  /** The pids of host processes whose command line contains {@code marker}. */
  static List<Long> hostProcessesWith(String marker) throws java.io.IOException {
    try (var procs = java.nio.file.Files.list(java.nio.file.Path.of("/proc"))) {
      return procs
          .filter(p -> p.getFileName().toString().matches("\\d+"))
          .filter(
              p -> {
                try {
                  return new String(java.nio.file.Files.readAllBytes(p.resolve("cmdline")))
                      .contains(marker);
                } catch (java.io.IOException e) {
                  return false; // exited while listed
                }
              })
          .map(p -> Long.parseLong(p.getFileName().toString()))
          .toList();
    }
  }

  @Test
  void overloadedModel_isRetried_thenSucceeds() throws Exception {
    fake.enqueue(FakeAnthropic.error(529, "overloaded_error"), FakeAnthropic.text("made it"));
    String session = session(agent("[]"));
    say(session, "retry me");
    List<JsonNode> log = awaitIdle(session, 1);
    assertThat(types(log))
        .containsSubsequence(
            "session.error",
            "session.status_rescheduled",
            "session.status_running",
            "agent.message");
    assertThat(last(log, "session.error").at("/error/retry_status/type").asText())
        .isEqualTo("retrying");
    assertThat(last(log, "session.status_idle").at("/stop_reason/type").asText())
        .isEqualTo("end_turn");
  }

  @Test
  void persistentOverload_exhaustsRetries() throws Exception {
    fake.enqueue(
        FakeAnthropic.error(529, "overloaded_error"), FakeAnthropic.error(529, "overloaded_error"));
    String session = session(agent("[]"));
    say(session, "never");
    List<JsonNode> log = awaitIdle(session, 1);
    assertThat(last(log, "session.status_idle").at("/stop_reason/type").asText())
        .as(types(log) + " " + log)
        .isEqualTo("retries_exhausted");
    assertThat(last(log, "session.error").at("/error/retry_status/type").asText())
        .isEqualTo("exhausted");
    assertThat(log.toString()).doesNotContain("sk-ant-test-secret");
  }

  @Test
  void longConversation_isCompacted_andTheLogKeepsEverything() throws Exception {
    fake.enqueue(
        FakeAnthropic.text("First answer.").usage(150_000, 10),
        FakeAnthropic.text("Second answer.").usage(170_000, 10),
        FakeAnthropic.text("SUMMARY: the user asked twice."),
        FakeAnthropic.text("Third answer, after compaction."));
    int base = fake.requests().size();
    String session = session(agent("[]"));
    say(session, "first question alpha");
    awaitIdle(session, 1);
    say(session, "second question beta");
    awaitIdle(session, 2);
    say(session, "third question gamma");
    List<JsonNode> log = awaitIdle(session, 3);

    assertThat(types(log)).contains("agent.thread_context_compacted");
    assertThat(last(log, "agent.message").toString()).contains("after compaction");
    var requests = fake.awaitRequests(base + 4, Duration.ofSeconds(5));
    String afterCompaction = requests.get(base + 3).body().toString();
    assertThat(afterCompaction)
        .contains("SUMMARY: the user asked twice.")
        .contains("third question gamma");
    assertThat(afterCompaction).doesNotContain("first question alpha");
    assertThat(log.toString()).contains("first question alpha");
  }
}
