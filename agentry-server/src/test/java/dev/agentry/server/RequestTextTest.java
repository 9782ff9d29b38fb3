package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A NUL character or text that is not UTF-8, wherever a request carries a string (path, query,
 * cursor, JSON and YAML bodies, object keys), is a 400 naming the field, and nothing is stored.
 * PostgreSQL refuses such strings (they used to come back as a 503 "database unavailable"), so this
 * class runs on embedded SQLite and {@link RequestTextPostgresTest} on PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestTextTest {
  @TempDir static Path dataRoot;
  TestServer server;
  String agentId;
  String sessionId;

  /** The database the server uses; null means embedded SQLite. */
  String databaseUrl() {
    return null;
  }

  @BeforeAll
  void start() throws Exception {
    server = new TestServer(dataRoot.resolve(getClass().getSimpleName()), databaseUrl());
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
  void stop() {
    server.close();
  }

  static String id(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body()).get("id").asText();
  }

  static void assertRefused(HttpResponse<String> r, String... says) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode body = Json.mapper().readTree(r.body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(body.path("request_id").asText()).startsWith("req_");
    for (String s : says) {
      assertThat(body.path("error").path("message").asText()).contains(s);
    }
  }

  HttpResponse<String> bytes(String method, String path, byte[] body, String contentType)
      throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
            .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
            .header("content-type", contentType)
            .header("x-api-key", TestServer.KEY)
            .build();
    return server.http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  int agentCount() throws Exception {
    var list = server.call("GET", "/v1/agents?limit=100", null);
    return Json.mapper().readTree(list.body()).get("data").size();
  }

  @Test
  void nulInAPathParameter_is400NamingIt() throws Exception {
    assertRefused(server.call("GET", "/v1/agents/%00", null), "id (path)", "NUL");
    assertRefused(server.call("GET", "/v1/sessions/%00/events", null), "id (path)", "NUL");
    assertRefused(server.call("POST", "/v1/vaults/%00/credentials/x%00", "{}"), "id (path)", "NUL");
  }

  @Test
  void invalidUtf8InAPathParameter_is400() throws Exception {
    assertRefused(server.call("GET", "/v1/agents/%FF%FE", null), "id (path)", "UTF-8");
  }

  @Test
  void nulEscapedInJsonStrings_is400NamingTheField() throws Exception {
    int before = agentCount();
    assertRefused(
        server.call(
            "POST", "/v1/agents", "{\"name\":\"a\\u0000b\",\"model\":\"claude-sonnet-4-6\"}"),
        "name: must not contain NUL");
    assertRefused(
        server.call(
            "POST",
            "/v1/agents",
            "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\",\"metadata\":{\"k\":\"\\u0000\"}}"),
        "metadata.k: must not contain NUL");
    assertRefused(
        server.call(
            "POST",
            "/v1/agents",
            "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\",\"metadata\":{\"k\\u0000\":\"v\"}}"),
        "metadata (a key): must not contain NUL");
    assertRefused(
        server.call("POST", "/v1/sessions/" + sessionId, "{\"title\":\"t\\u0000\"}"),
        "title: must not contain NUL");
    assertRefused(
        server.call(
            "POST",
            "/v1/sessions/" + sessionId + "/events",
            "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\"\\u0000\"}]}]}"),
        "events[0].content[0].text: must not contain NUL");
    assertThat(agentCount()).isEqualTo(before);
  }

  @Test
  void unpairedSurrogate_is400() throws Exception {
    assertRefused(
        server.call("POST", "/v1/agents", "{\"name\":\"\\ud800\",\"model\":\"claude-sonnet-4-6\"}"),
        "name: must be valid UTF-8");
  }

  @Test
  void rawNulAndInvalidUtf8BytesInJson_are400() throws Exception {
    int before = agentCount();
    byte[] nul =
        "{\"name\":\"a\u0000b\",\"model\":\"claude-sonnet-4-6\"}".getBytes(StandardCharsets.UTF_8);
    assertRefused(bytes("POST", "/v1/agents", nul, "application/json"), "name");
    byte[] utf8 =
        concat(
            "{\"name\":\"a",
            new byte[] {(byte) 0xff, (byte) 0xfe},
            "\",\"model\":\"claude-sonnet-4-6\"}");
    assertRefused(bytes("POST", "/v1/agents", utf8, "application/json"), "name", "UTF-8");
    byte[] title = concat("{\"title\":\"", new byte[] {(byte) 0xc3, (byte) 0x28}, "\"}");
    assertRefused(
        bytes("POST", "/v1/sessions/" + sessionId, title, "application/json"), "title", "UTF-8");
    assertThat(agentCount()).isEqualTo(before);
  }

  @Test
  void nulAndInvalidUtf8InYaml_are400() throws Exception {
    byte[] nul = "name: \"a\\0b\"\nmodel: m\n".getBytes(StandardCharsets.UTF_8);
    assertRefused(bytes("POST", "/v1/agents", nul, "application/yaml"), "name", "NUL");
    byte[] utf8 = concat("name: a", new byte[] {(byte) 0xff}, "\nmodel: m\n");
    var r = bytes("POST", "/v1/agents", utf8, "application/yaml");
    assertRefused(r, "body");
  }

  @Test
  void nulAndInvalidUtf8InQueryParameters_are400NamingThem() throws Exception {
    assertRefused(server.call("GET", "/v1/sessions?agent_id=%00", null), "agent_id", "NUL");
    assertRefused(server.call("GET", "/v1/sessions?agent_id=%C3%28", null), "agent_id", "UTF-8");
    assertRefused(server.call("GET", "/v1/agents?%00=1", null), "query", "NUL");
  }

  @Test
  void aCursorCarryingNul_isNotACursorThisServerIssued() throws Exception {
    String json = "{\"l\":\"agents:x\",\"o\":\"desc\",\"k\":1,\"i\":\"a\\u0000\"}";
    String page =
        "page_"
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(json.getBytes(StandardCharsets.UTF_8));
    assertRefused(server.call("GET", "/v1/agents?page=" + page, null), "page");
  }

  @Test
  void afterAllThat_theServerStillServesNormalRequests() throws Exception {
    nulEscapedInJsonStrings_is400NamingTheField();
    String id =
        id(
            server.call(
                "POST", "/v1/agents", "{\"name\":\"fine ✓\",\"model\":\"claude-sonnet-4-6\"}"));
    var got = server.call("GET", "/v1/agents/" + id, null, Map.of("x-api-key", TestServer.KEY));
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(Json.mapper().readTree(got.body()).get("name").asText()).isEqualTo("fine ✓");
  }

  private static byte[] concat(String a, byte[] middle, String b) {
    byte[] head = a.getBytes(StandardCharsets.UTF_8);
    byte[] tail = b.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[head.length + middle.length + tail.length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(middle, 0, out, head.length, middle.length);
    System.arraycopy(tail, 0, out, head.length + middle.length, tail.length);
    return out;
  }
}
