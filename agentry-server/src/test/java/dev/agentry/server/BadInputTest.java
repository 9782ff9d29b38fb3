package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad request gets a 4xx envelope naming the field and rule, and writes nothing. */
class BadInputTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static String sessionId;
  static String agentId;

  @BeforeAll
  static void start() throws Exception {
    server = new TestServer(dataDir, null);
    agentId =
        id(server.call("POST", "/v1/agents", "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\"}"));
    String env = id(server.call("POST", "/v1/environments", "{\"name\":\"e\"}"));
    sessionId =
        id(
            server.call(
                "POST",
                "/v1/sessions",
                "{\"agent\":\"" + agentId + "\",\"environment_id\":\"" + env + "\"}"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String id(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Json.mapper().readTree(response.body()).get("id").asText();
  }

  static void assertError(HttpResponse<String> response, int status, String type, String... says)
      throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode body = Json.mapper().readTree(response.body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo(type);
    assertThat(body.path("request_id").asText()).startsWith("req_");
    assertThat(response.headers().firstValue("request-id"))
        .contains(body.path("request_id").asText());
    for (String s : says) {
      assertThat(body.path("error").path("message").asText()).contains(s);
    }
  }

  int eventCount() throws Exception {
    var list = server.call("GET", "/v1/sessions/" + sessionId + "/events", null);
    return Json.mapper().readTree(list.body()).get("data").size();
  }

  @Test
  void malformedJson_is400WithPosition() throws Exception {
    assertError(
        server.call("POST", "/v1/agents", "{\"name\": \"a\","),
        400,
        "invalid_request_error",
        "malformed JSON");
  }

  @Test
  void yamlBodies_areReadAsYaml_withTheSameRules() throws Exception {
    var yaml = java.util.Map.of("x-api-key", TestServer.KEY, "content-type", "application/yaml");
    var made =
        server.call(
            "POST",
            "/v1/agents",
            "name: from-yaml\nmodel: claude-sonnet-4-6\ntools:\n  - type: agent_toolset_20260401\n",
            yaml);
    assertThat(made.statusCode()).as(made.body()).isEqualTo(200);
    assertThat(Json.mapper().readTree(made.body()).get("name").asText()).isEqualTo("from-yaml");
    assertError(
        server.call("POST", "/v1/agents", "name: a\n", yaml),
        400,
        "invalid_request_error",
        "model: is required");
    assertError(
        server.call("POST", "/v1/agents", "name: [a\n", yaml),
        400,
        "invalid_request_error",
        "malformed YAML");
    assertError(
        server.call("POST", "/v1/agents", "- a\n- b\n", yaml),
        400,
        "invalid_request_error",
        "must be a JSON object");
  }

  @Test
  void wrongTypesAndMissingFields_nameTheField() throws Exception {
    assertError(
        server.call("POST", "/v1/agents", "{\"name\":\"a\"}"),
        400,
        "invalid_request_error",
        "model: is required");
    assertError(
        server.call(
            "POST",
            "/v1/agents",
            "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\",\"tools\":[{\"type\":\"custom\",\"name\":\"bad name!\",\"input_schema\":{\"type\":\"object\"}}]}"),
        400,
        "invalid_request_error",
        "tools[0].name");
    assertError(
        server.call(
            "POST",
            "/v1/agents",
            "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\",\"tools\":[{\"type\":\"agent_toolset_20260401\",\"configs\":[{\"name\":\"rm\"}]}]}"),
        400,
        "invalid_request_error",
        "tools[0].configs[0].name");
    assertError(
        server.call(
            "POST",
            "/v1/agents",
            "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\",\"tools\":[{\"type\":\"mcp_toolset\",\"mcp_server_name\":\"gh\"}]}"),
        400,
        "invalid_request_error",
        "mcp_server_name",
        "not in mcp_servers");
    assertError(
        server.call(
            "POST",
            "/v1/environments",
            "{\"name\":\"x\",\"config\":{\"type\":\"cloud\",\"networking\":{\"type\":\"sideways\"}}}"),
        400,
        "invalid_request_error",
        "config.networking.type");
  }

  @Test
  void unknownEventType_isRefused_andNothingIsWritten() throws Exception {
    int before = eventCount();
    String body =
        "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\"ok\"}]},"
            + "{\"type\":\"user.dance\"}]}";
    assertError(
        server.call("POST", "/v1/sessions/" + sessionId + "/events", body),
        400,
        "invalid_request_error",
        "events[1].type");
    assertThat(eventCount()).isEqualTo(before);
  }

  @Test
  void answerToUnknownToolUse_isRefused() throws Exception {
    String body =
        "{\"events\":[{\"type\":\"user.tool_confirmation\",\"tool_use_id\":\"sevt_x\",\"result\":\"allow\"}]}";
    assertError(
        server.call("POST", "/v1/sessions/" + sessionId + "/events", body),
        400,
        "invalid_request_error",
        "events[0].tool_use_id");
  }

  @Test
  void oversizeBody_is413() throws Exception {
    String big = "{\"name\":\"" + "x".repeat(70 * 1024) + "\",\"model\":\"claude-sonnet-4-6\"}";
    assertError(server.call("POST", "/v1/agents", big), 413, "request_too_large", "65536 bytes");
  }

  @Test
  void cursorFromAnotherListing_is400() throws Exception {
    for (int i = 0; i < 2; i++) {
      server.call("POST", "/v1/vaults", "{\"display_name\":\"v" + i + "\"}");
    }
    var page = Json.mapper().readTree(server.call("GET", "/v1/vaults?limit=1", null).body());
    String cursor = page.get("next_page").asText();
    assertThat(cursor).isNotEmpty();
    assertError(
        server.call("GET", "/v1/agents?page=" + cursor, null),
        400,
        "invalid_request_error",
        "page");
    assertError(
        server.call("GET", "/v1/vaults?order=asc&page=" + cursor, null),
        400,
        "invalid_request_error",
        "order");
    assertError(
        server.call("GET", "/v1/vaults?page=garbage", null), 400, "invalid_request_error", "page");
  }

  @Test
  void unknownFields_areIgnored_andBetaQueryAndAnyVersionAccepted() throws Exception {
    var response =
        server.call(
            "POST",
            "/v1/agents?beta=true",
            "{\"name\":\"fwd\",\"model\":\"claude-sonnet-4-6\",\"some_future_field\":{\"x\":1}}",
            Map.of("Authorization", "Bearer " + TestServer.KEY, "anthropic-version", "2099-01-01"));
    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void unknownIdsAndRoutes_are404() throws Exception {
    assertError(
        server.call("GET", "/v1/sessions/sesn_missing/events", null), 404, "not_found_error");
    assertError(
        server.call("DELETE", "/v1/environments/env_missing", null), 404, "not_found_error");
    assertError(server.call("GET", "/v1/nothing-here", null), 404, "not_found_error");
  }

  @Test
  void missingKey_is401() throws Exception {
    assertError(server.call("GET", "/v1/agents", null, Map.of()), 401, "authentication_error");
  }

  @Test
  void badMetadata_is400WithErrorCode() throws Exception {
    StringBuilder many = new StringBuilder("{");
    for (int i = 0; i < 17; i++) {
      many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
    }
    var response =
        server.call("POST", "/v1/vaults", "{\"display_name\":\"m\",\"metadata\":" + many + "}}");
    assertError(response, 400, "invalid_request_error", "metadata");
    assertThat(response.body()).contains("invalid_metadata");
  }
}
