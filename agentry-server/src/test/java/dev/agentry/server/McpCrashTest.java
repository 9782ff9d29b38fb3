package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.testkit.FakeAnthropic;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A server process is killed with SIGKILL while an MCP tool call is in flight, and started again on
 * the same data. The call may have half-happened on the MCP server, so it is never re-run: the new
 * process answers it as an error whose outcome is unknown, and the turn goes on.
 */
class McpCrashTest extends ServerProcessTestBase {
  @Test
  void kill9DuringAnMcpCall_answersItAsUnknown_withoutCallingItAgain() throws Exception {
    try (TestMcpServer mcp = new TestMcpServer(null)) {
      fake.enqueue(
          FakeAnthropic.toolUse("tools__hang", "{\"text\":\"only once\"}"),
          FakeAnthropic.text("finished after the crash"));
      String agent =
          id(
              call(
                  "POST",
                  "/v1/agents",
                  "{\"name\":\"mcp-crash\",\"model\":\"claude-sonnet-4-6\","
                      + "\"mcp_servers\":[{\"type\":\"url\",\"name\":\"tools\",\"url\":\""
                      + mcp.url()
                      + "\"}],\"tools\":[{\"type\":\"mcp_toolset\",\"mcp_server_name\":\"tools\"}]}"));
      String env = id(call("POST", "/v1/environments", "{\"name\":\"mcp-crash\"}"));
      String session =
          id(
              call(
                  "POST",
                  "/v1/sessions",
                  "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
      say(session, "go");
      await(() -> mcp.hangCalls.size() == 1, "the MCP call to reach the MCP server");
      kill9AndRestart();

      List<JsonNode> log = awaitIdle(session);
      assertThat(mcp.hangCalls).containsExactly("only once");
      assertThat(count(log, "agent.mcp_tool_use")).isEqualTo(1);
      JsonNode use = only(log, "agent.mcp_tool_use");
      JsonNode result = only(log, "agent.mcp_tool_result");
      assertThat(result.get("mcp_tool_use_id").asText()).isEqualTo(use.get("id").asText());
      assertThat(result.get("is_error").asBoolean()).isTrue();
      assertThat(result.at("/content/0/text").asText()).contains("unknown").contains("not re-run");
      assertThat(fake.requests()).hasSize(2);
      assertThat(fake.requests().getLast().body().toString()).contains("outcome of this tool call");
      assertThat(only(log, "agent.message").toString()).contains("finished after the crash");
      assertNoDuplicates(log);
    }
  }
}
