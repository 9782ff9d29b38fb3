package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code usage.server_tool_use} through the real server: the session view (read with the SDK), its
 * usage events and the usage report count the web_fetch and web_search calls the harness ran.
 */
class ServerToolUsageEndToEndTest extends FakeModelServerTestBase {
  static final String TOOLS =
      "[{\"type\":\"agent_toolset_20260401\",\"configs\":[{\"name\":\"web_fetch\","
          + "\"allowed_domains\":[\"127.0.0.1\"]}]}]";

  @Test
  void webCalls_showInTheSession_itsUsageEvents_andTheUsageReport() throws Exception {
    try (LocalPage web = new LocalPage("text/plain", "the page")) {
      String base = web.base();
      fake.enqueue(
          FakeAnthropic.toolUse("web_fetch", "{\"url\":\"" + base + "/a\"}"),
          FakeAnthropic.toolUse("web_fetch", "{\"url\":\"" + base + "/b\"}"),
          // No search backend is configured here: the call runs and fails, and still counts.
          FakeAnthropic.toolUse("web_search", "{\"query\":\"agentry\"}"),
          FakeAnthropic.text("done"));
      String session = PermissionEndToEndTest.session(TOOLS);
      PermissionEndToEndTest.say(session, "Read " + base + "/a");
      List<JsonNode> log = PermissionEndToEndTest.awaitIdle(session, 1);
      List<JsonNode> results = PermissionEndToEndTest.ofType(log, "agent.tool_result");
      assertThat(results).hasSize(3);
      assertThat(results.get(0).toString()).contains("the page");
      assertThat(results.get(2).toString()).contains("web_search is not configured");

      var usage = server.sdk().beta().sessions().retrieve(session).usage();
      var serverTools = usage.serverToolUse().orElseThrow();
      assertThat(serverTools.webFetchRequests()).contains(2);
      assertThat(serverTools.webSearchRequests()).contains(1);

      JsonNode lastUsage =
          PermissionEndToEndTest.ofType(log, "session.usage").getLast().at("/usage");
      assertThat(lastUsage.get("server_tool_use").toString())
          .isEqualTo("{\"web_search_requests\":1,\"web_fetch_requests\":2}");
      JsonNode snapshot = get("/v1/agentry/usage/sessions/" + session);
      assertThat(snapshot.at("/usage/server_tool_use")).isEqualTo(lastUsage.get("server_tool_use"));

      JsonNode report = get("/v1/agentry/usage?group_by=agent");
      assertThat(report.at("/totals/server_tool_use/web_fetch_requests").asLong()).isEqualTo(2);
      assertThat(report.at("/totals/server_tool_use/web_search_requests").asLong()).isEqualTo(1);
      assertThat(report.at("/rows/0/server_tool_use"))
          .isEqualTo(report.at("/totals/server_tool_use"));
    }
  }

  static JsonNode get(String path) throws Exception {
    var r = server.call("GET", path, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body());
  }
}
