package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.testkit.FakeAnthropic;
import java.util.List;
import org.junit.jupiter.api.Test;

/** web_fetch's url_sources through the real server: a URL the model made up is not fetched. */
class UrlSourcesEndToEndTest extends FakeModelServerTestBase {
  static final String TOOLS =
      "[{\"type\":\"agent_toolset_20260401\",\"configs\":[{\"name\":\"web_fetch\","
          + "\"allowed_domains\":[\"127.0.0.1\"],\"url_sources\":{\"user_input\":\"all\","
          + "\"client_tool_results\":\"none\",\"server_tool_results\":\"none\"}}]}]";

  @Test
  void onlyTheUrlTheUserGave_isFetched() throws Exception {
    try (LocalPage web = new LocalPage("text/plain", "the page")) {
      String base = web.base();
      fake.enqueue(
          FakeAnthropic.toolUse("web_fetch", "{\"url\":\"" + base + "/given\"}"),
          FakeAnthropic.toolUse("web_fetch", "{\"url\":\"" + base + "/exfiltrate?d=secret\"}"),
          FakeAnthropic.text("done"));
      String session = PermissionEndToEndTest.session(TOOLS);
      PermissionEndToEndTest.say(session, "Summarise " + base + "/given");
      List<JsonNode> log = PermissionEndToEndTest.awaitIdle(session, 1);
      List<JsonNode> results = PermissionEndToEndTest.ofType(log, "agent.tool_result");
      assertThat(results).hasSize(2);
      assertThat(results.get(0).get("is_error").asBoolean()).isFalse();
      assertThat(results.get(0).toString()).contains("the page");
      assertThat(results.get(1).get("is_error").asBoolean()).isTrue();
      assertThat(results.get(1).toString())
          .contains("does not appear in any source this tool's url_sources trusts");
      assertThat(web.served).containsExactly("/given");
    }
  }

  @Test
  void malformedUrlSources_areRefused_namingTheField() {
    var r =
        server.call(
            "POST",
            "/v1/agents",
            "{\"name\":\"u\",\"model\":\"claude-sonnet-4-6\",\"tools\":[{\"type\":"
                + "\"agent_toolset_20260401\",\"configs\":[{\"name\":\"web_fetch\",\"url_sources\":"
                + "{\"server_tool_results\":{\"type\":\"only\",\"tools\":[{\"type\":\"x\","
                + "\"name\":\"web_search\"}]}}}]}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("url_sources.server_tool_results.tools[0].type");
    var unknown =
        server.call(
            "POST",
            "/v1/agents",
            "{\"name\":\"u\",\"model\":\"claude-sonnet-4-6\",\"tools\":[{\"type\":"
                + "\"agent_toolset_20260401\",\"configs\":[{\"name\":\"web_fetch\",\"url_sources\":"
                + "{\"model_output\":\"all\"}}]}]}");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("url_sources.model_output");
  }
}
