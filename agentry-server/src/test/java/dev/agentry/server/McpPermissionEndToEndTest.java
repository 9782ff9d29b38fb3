package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.testkit.FakeAnthropic;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Permission policies of MCP tools through the real server, harness and a real MCP server: an
 * {@code always_ask} call waits for a {@code user.tool_confirmation}; allow runs it once, deny
 * gives the model the deny message; {@code auto} asks with {@code reason_code:"mcp_tool"}.
 */
class McpPermissionEndToEndTest {
  @TempDir static Path dataDir;
  static FakeAnthropic fake;
  static TestServer server;
  static String envId;
  static TestMcpServer mcp;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeAnthropic.start();
    server =
        new TestServer(
            dataDir,
            null,
            Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-test"));
    envId = BadInputTest.id(server.call("POST", "/v1/environments", "{\"name\":\"mcp-perm\"}"));
    mcp = new TestMcpServer(null);
  }

  @AfterAll
  static void stop() throws Exception {
    mcp.close();
    server.close();
    fake.close();
  }

  static String session(String toolsetExtra) throws Exception {
    String agent =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"mcp-perm\",\"model\":\"claude-sonnet-4-6\","
                    + "\"mcp_servers\":[{\"type\":\"url\",\"name\":\"tools\",\"url\":\""
                    + mcp.url()
                    + "\"}],\"tools\":[{\"type\":\"mcp_toolset\",\"mcp_server_name\":\"tools\","
                    + toolsetExtra
                    + "}]}"));
    return BadInputTest.id(
        server.call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + envId + "\"}"));
  }

  static List<JsonNode> awaitIdle(String session, int count) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      List<JsonNode> log = McpEndToEndTest.eventsOf(server, session);
      if (PermissionEndToEndTest.ofType(log, "session.status_idle").size() >= count) {
        return log;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(
        "session did not go idle: " + McpEndToEndTest.eventsOf(server, session));
  }

  static HttpResponse<String> confirm(String session, String useId, String result, String msg) {
    return server.call(
        "POST",
        "/v1/sessions/" + session + "/events",
        "{\"events\":[" + PermissionEndToEndTest.confirm(useId, result, msg) + "]}");
  }

  @Test
  void alwaysAsk_waitsForConfirmation_thenAllowRunsTheToolOnce() throws Exception {
    int calls = mcp.echoCalls.size();
    int base = fake.requests().size();
    fake.enqueue(
        FakeAnthropic.toolUse("tools__echo", "{\"text\":\"asked\"}"), FakeAnthropic.text("done"));
    String session =
        session(
            "\"configs\":[{\"name\":\"echo\",\"permission_policy\":{\"type\":\"always_ask\"}}]");
    AgentLoopEndToEndTest.say(server, session, "use the tool");
    List<JsonNode> log = awaitIdle(session, 1);

    JsonNode use = AgentLoopEndToEndTest.last(log, "agent.mcp_tool_use");
    String useId = use.get("id").asText();
    assertThat(use.get("evaluated_permission").asText()).isEqualTo("ask");
    assertThat(use.get("evaluation").get("type").asText()).isEqualTo("always_ask");
    JsonNode idle = AgentLoopEndToEndTest.last(log, "session.status_idle").get("stop_reason");
    assertThat(idle.get("type").asText()).isEqualTo("requires_action");
    assertThat(idle.get("event_ids").toString()).isEqualTo("[\"" + useId + "\"]");
    assertThat(AgentLoopEndToEndTest.types(log)).doesNotContain("agent.mcp_tool_result");
    assertThat(mcp.echoCalls).hasSize(calls);

    HttpResponse<String> r = confirm(session, useId, "allow", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    log = awaitIdle(session, 2);
    JsonNode result = AgentLoopEndToEndTest.last(log, "agent.mcp_tool_result");
    assertThat(result.get("mcp_tool_use_id").asText()).isEqualTo(useId);
    assertThat(result.get("is_error").asBoolean()).isFalse();
    assertThat(result.get("content").get(0).get("text").asText()).isEqualTo("echo: asked");
    assertThat(
            AgentLoopEndToEndTest.last(log, "session.status_idle").at("/stop_reason/type").asText())
        .isEqualTo("end_turn");
    assertThat(mcp.echoCalls.subList(calls, mcp.echoCalls.size())).containsExactly("asked");
    assertThat(fake.requests().subList(base, fake.requests().size())).hasSize(2);
    assertThat(fake.requests().get(base + 1).body().toString()).contains("echo: asked");

    // Answered: a second confirmation is refused, naming the field.
    HttpResponse<String> again = confirm(session, useId, "deny", null);
    assertThat(again.statusCode()).isEqualTo(400);
    assertThat(again.body()).contains("events[0].tool_use_id");
  }

  @Test
  void auto_asksWithMcpToolReason_andDenyGivesTheModelTheMessage() throws Exception {
    int calls = mcp.echoCalls.size();
    int base = fake.requests().size();
    fake.enqueue(
        FakeAnthropic.toolUse("tools__echo", "{\"text\":\"refused\"}"),
        FakeAnthropic.text("understood"));
    String session = session("\"default_config\":{\"permission_policy\":{\"type\":\"auto\"}}");
    AgentLoopEndToEndTest.say(server, session, "use the tool");
    List<JsonNode> log = awaitIdle(session, 1);

    JsonNode use = AgentLoopEndToEndTest.last(log, "agent.mcp_tool_use");
    String useId = use.get("id").asText();
    assertThat(use.get("evaluated_permission").asText()).isEqualTo("ask");
    assertThat(use.get("evaluation").toString())
        .isEqualTo(
            "{\"type\":\"auto\",\"evaluated_permission\":{\"type\":\"ask\","
                + "\"reason_code\":\"mcp_tool\"}}");

    HttpResponse<String> r = confirm(session, useId, "deny", "not this one");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    log = awaitIdle(session, 2);
    JsonNode result = AgentLoopEndToEndTest.last(log, "agent.mcp_tool_result");
    assertThat(result.get("mcp_tool_use_id").asText()).isEqualTo(useId);
    assertThat(result.get("is_error").asBoolean()).isTrue();
    assertThat(result.get("content").get(0).get("text").asText())
        .isEqualTo("The user denied this tool call: not this one");
    assertThat(mcp.echoCalls).hasSize(calls);
    assertThat(fake.requests().subList(base, fake.requests().size())).hasSize(2);
    assertThat(fake.requests().get(base + 1).body().toString())
        .contains("The user denied this tool call: not this one");
    assertThat(AgentLoopEndToEndTest.last(log, "agent.message").toString()).contains("understood");
  }

  @Test
  void alwaysAllow_isEvaluatedAndRunsWithoutAsking() throws Exception {
    int calls = mcp.echoCalls.size();
    fake.enqueue(
        FakeAnthropic.toolUse("tools__echo", "{\"text\":\"free\"}"), FakeAnthropic.text("ok"));
    String session = session("\"default_config\":{\"enabled\":true}");
    AgentLoopEndToEndTest.say(server, session, "use the tool");
    List<JsonNode> log = awaitIdle(session, 1);
    JsonNode use = AgentLoopEndToEndTest.last(log, "agent.mcp_tool_use");
    assertThat(use.get("evaluated_permission").asText()).isEqualTo("allow");
    assertThat(use.get("evaluation").toString()).isEqualTo("{\"type\":\"always_allow\"}");
    assertThat(mcp.echoCalls.subList(calls, mcp.echoCalls.size())).containsExactly("free");
  }

  @Test
  void confirmingAnAllowedMcpCall_isRefused() throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse("tools__echo", "{\"text\":\"x\"}"), FakeAnthropic.text("ok"));
    String session = session("\"default_config\":{\"enabled\":true}");
    AgentLoopEndToEndTest.say(server, session, "use the tool");
    List<JsonNode> log = awaitIdle(session, 1);
    String useId = AgentLoopEndToEndTest.last(log, "agent.mcp_tool_use").get("id").asText();
    HttpResponse<String> r = confirm(session, useId, "allow", null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("events[0].tool_use_id").contains("not ask");
  }
}
