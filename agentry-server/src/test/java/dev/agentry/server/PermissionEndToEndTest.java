package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Permission policies through the real server: always_ask confirmations and the auto policy. */
class PermissionEndToEndTest extends FakeModelServerTestBase {
  static final String ASK_BASH =
      "[{\"type\":\"agent_toolset_20260401\",\"configs\":[{\"name\":\"bash\","
          + "\"permission_policy\":{\"type\":\"always_ask\"}}]}]";
  static final String AUTO =
      "[{\"type\":\"agent_toolset_20260401\",\"default_config\":{\"permission_policy\":"
          + "{\"type\":\"auto\"}}}]";

  static String session(String tools) throws Exception {
    String agent =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"perm\",\"model\":\"claude-sonnet-4-6\",\"tools\":" + tools + "}"));
    return BadInputTest.id(
        server.call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + envId + "\"}"));
  }

  static HttpResponse<String> send(String session, String event) {
    return server.call(
        "POST", "/v1/sessions/" + session + "/events", "{\"events\":[" + event + "]}");
  }

  static void say(String session, String text) {
    var r =
        send(
            session,
            "{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\""
                + text
                + "\"}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  static String confirm(String toolUseId, String result, String denyMessage) {
    return "{\"type\":\"user.tool_confirmation\",\"tool_use_id\":\""
        + toolUseId
        + "\",\"result\":\""
        + result
        + "\""
        + (denyMessage == null ? "" : ",\"deny_message\":\"" + denyMessage + "\"")
        + "}";
  }

  static List<JsonNode> events(String session) throws Exception {
    var body =
        Json.mapper()
            .readTree(server.call("GET", "/v1/sessions/" + session + "/events", null).body());
    List<JsonNode> out = new ArrayList<>();
    body.get("data").forEach(out::add);
    return out;
  }

  static List<JsonNode> ofType(List<JsonNode> log, String type) {
    return log.stream().filter(e -> e.get("type").asText().equals(type)).toList();
  }

  static List<JsonNode> awaitIdle(String session, int count) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      List<JsonNode> log = events(session);
      if (ofType(log, "session.status_idle").size() >= count) {
        return log;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("session did not go idle: " + events(session));
  }

  @Test
  void alwaysAsk_waitsForAConfirmation_thenAllowRunsTheToolOnce() throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":\"echo ran >> runs.txt\"}"),
        FakeAnthropic.text("done"));
    String session = session(ASK_BASH);
    say(session, "go");
    List<JsonNode> log = awaitIdle(session, 1);
    JsonNode use = ofType(log, "agent.tool_use").getFirst();
    assertThat(use.get("evaluated_permission").asText()).isEqualTo("ask");
    assertThat(use.get("evaluation").toString()).isEqualTo("{\"type\":\"always_ask\"}");
    JsonNode idle = log.getLast();
    assertThat(idle.at("/stop_reason/type").asText()).isEqualTo("requires_action");
    assertThat(idle.at("/stop_reason/event_ids").toString())
        .isEqualTo("[\"" + use.get("id").asText() + "\"]");
    assertThat(ofType(log, "agent.tool_result")).isEmpty();
    Path runs = dataDir.resolve("workspaces").resolve(session).resolve("runs.txt");
    assertThat(runs).doesNotExist();

    var ok = send(session, confirm(use.get("id").asText(), "allow", null));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    log = awaitIdle(session, 2);
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
    JsonNode result = ofType(log, "agent.tool_result").getFirst();
    assertThat(result.get("is_error").asBoolean()).isFalse();
    assertThat(Files.readAllLines(runs)).containsExactly("ran");
    assertThat(ofType(log, "agent.message").getFirst().toString()).contains("done");
    assertThat(ofType(log, "user.tool_confirmation").getFirst().get("processed_at").isNull())
        .isFalse();

    var again = send(session, confirm(use.get("id").asText(), "allow", null));
    assertThat(again.statusCode()).isEqualTo(400);
    assertThat(again.body()).contains("events[0].tool_use_id").contains("already answered");
  }

  @Test
  void alwaysAsk_deny_showsTheDenyMessageToTheModel() throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":\"echo ran >> denied.txt\"}"),
        FakeAnthropic.text("ok, I will not"));
    String session = session(ASK_BASH);
    say(session, "go");
    List<JsonNode> log = awaitIdle(session, 1);
    String useId = ofType(log, "agent.tool_use").getFirst().get("id").asText();
    int base = fake.requests().size();
    var r = send(session, confirm(useId, "deny", "not on a Friday"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    log = awaitIdle(session, 2);
    JsonNode result = ofType(log, "agent.tool_result").getFirst();
    assertThat(result.get("is_error").asBoolean()).isTrue();
    assertThat(result.toString()).contains("not on a Friday");
    var next = fake.awaitRequests(base + 1, Duration.ofSeconds(5)).get(base);
    assertThat(next.body().toString()).contains("tool_result").contains("not on a Friday");
    assertThat(dataDir.resolve("workspaces").resolve(session).resolve("denied.txt")).doesNotExist();
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
  }

  @Test
  void auto_deniesCurl_andAllowsLs() throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":\"curl -s https://example.com\"}"),
        FakeAnthropic.toolUse("bash", "{\"command\":\"ls\"}"),
        FakeAnthropic.text("listed"));
    String session = session(AUTO);
    int base = fake.requests().size();
    say(session, "go");
    List<JsonNode> log = awaitIdle(session, 1);
    List<JsonNode> uses = ofType(log, "agent.tool_use");
    assertThat(uses).hasSize(2);
    assertThat(uses.get(0).get("evaluated_permission").asText()).isEqualTo("deny");
    assertThat(uses.get(0).get("evaluation").toString())
        .isEqualTo(
            "{\"type\":\"auto\",\"evaluated_permission\":{\"type\":\"deny\","
                + "\"reason_code\":\"network_access\"}}");
    assertThat(uses.get(1).get("evaluated_permission").asText()).isEqualTo("allow");
    assertThat(uses.get(1).get("evaluation").toString())
        .isEqualTo("{\"type\":\"auto\",\"evaluated_permission\":{\"type\":\"allow\"}}");
    List<JsonNode> results = ofType(log, "agent.tool_result");
    assertThat(results.get(0).get("is_error").asBoolean()).isTrue();
    assertThat(results.get(0).toString()).contains("network_access");
    assertThat(results.get(1).get("is_error").asBoolean()).isFalse();
    var second = fake.awaitRequests(base + 2, Duration.ofSeconds(5)).get(base + 1);
    assertThat(second.body().toString()).contains("network_access");
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
  }

  @Test
  void confirmations_mustNameACallAwaitingOne() throws Exception {
    fake.enqueue(FakeAnthropic.toolUse("bash", "{\"command\":\"ls\"}"), FakeAnthropic.text("x"));
    String session = session("[{\"type\":\"agent_toolset_20260401\"}]");
    say(session, "go");
    List<JsonNode> log = awaitIdle(session, 1);
    String allowed = ofType(log, "agent.tool_use").getFirst().get("id").asText();
    var r = send(session, confirm(allowed, "allow", null));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("events[0].tool_use_id").contains("not awaiting confirmation");
    var unknown = send(session, confirm("sevt_nope", "allow", null));
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("events[0].tool_use_id");
  }

  @Test
  void twoAsks_idleUntilBothAreSettled() throws Exception {
    fake.enqueue(
        FakeAnthropic.Reply.of(
            FakeAnthropic.toolUseBlock("bash", "{\"command\":\"echo a >> two.txt\"}"),
            FakeAnthropic.toolUseBlock("bash", "{\"command\":\"echo b >> two.txt\"}")),
        FakeAnthropic.text("both"));
    String session = session(ASK_BASH);
    say(session, "go");
    List<JsonNode> log = awaitIdle(session, 1);
    List<JsonNode> uses = ofType(log, "agent.tool_use");
    assertThat(log.getLast().at("/stop_reason/event_ids")).hasSize(2);
    var r =
        send(
            session,
            confirm(uses.get(1).get("id").asText(), "allow", null)
                + ","
                + confirm(uses.get(1).get("id").asText(), "deny", null));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("events[1].tool_use_id");
    assertThat(send(session, confirm(uses.get(1).get("id").asText(), "allow", null)).statusCode())
        .isEqualTo(200);
    log = awaitIdle(session, 2);
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("requires_action");
    assertThat(log.getLast().at("/stop_reason/event_ids").toString())
        .isEqualTo("[\"" + uses.get(0).get("id").asText() + "\"]");
    assertThat(send(session, confirm(uses.get(0).get("id").asText(), "deny", null)).statusCode())
        .isEqualTo(200);
    log = awaitIdle(session, 3);
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
    assertThat(ofType(log, "agent.tool_result").toString())
        .contains("The user denied this tool call.");
    assertThat(
            Files.readAllLines(dataDir.resolve("workspaces").resolve(session).resolve("two.txt")))
        .containsExactly("b");
  }
}
