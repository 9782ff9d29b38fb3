package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Json;
import io.helidon.http.Method;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route the server registered (read from its {@link RouteTable}), sent what a careless or
 * hostile client sends: malformed and mistyped JSON, NUL, invalid UTF-8, huge and deeply nested
 * bodies, bad cursors and query values, wrong methods and content types, and, over a raw socket,
 * malformed request lines, broken chunked framing and HTTP/1.0. No answer is a 5xx, every error is
 * the Anthropic envelope with its {@code request_id}, and the server still serves normal requests
 * after. Random bodies come from a fixed seed, so a failure replays.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpFuzzTest {
  static final long SEED = 20261203L;
  static final int MAX_BODY = 64 * 1024; // TestServer's limit
  @TempDir static Path dataRoot;
  TestServer server;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  String agentId;
  String environmentId;
  String sessionId;
  String vaultId;
  String credentialId;
  String memoryStoreId;
  String memoryId;
  String memoryVersionId;
  int checked;

  @BeforeAll
  void start() throws Exception {
    server = new TestServer(dataRoot, null);
    agentId =
        id(server.call("POST", "/v1/agents", "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\"}"));
    environmentId = id(server.call("POST", "/v1/environments", "{\"name\":\"e\"}"));
    sessionId =
        id(
            server.call(
                "POST",
                "/v1/sessions",
                "{\"agent\":\"" + agentId + "\",\"environment_id\":\"" + environmentId + "\"}"));
    vaultId = id(server.call("POST", "/v1/vaults", "{\"display_name\":\"v\"}"));
    credentialId =
        id(
            server.call(
                "POST",
                "/v1/vaults/" + vaultId + "/credentials",
                "{\"display_name\":\"c\",\"auth\":{\"type\":\"static_bearer\","
                    + "\"mcp_server_url\":\"https://mcp.example.com/x\",\"token\":\"t\"}}"));
    memoryStoreId = id(server.call("POST", "/v1/memory_stores", "{\"name\":\"m\"}"));
    var memory =
        server.call(
            "POST",
            "/v1/memory_stores/" + memoryStoreId + "/memories",
            "{\"path\":\"/m.md\",\"content\":\"m\"}");
    memoryId = id(memory);
    memoryVersionId = Json.mapper().readTree(memory.body()).get("memory_version_id").asText();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  static String id(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body()).get("id").asText();
  }

  List<Map.Entry<String, Set<Method>>> routes() {
    var routes = server.server.routes().routes();
    assertThat(routes).as("the routes the server registered").hasSizeGreaterThan(20);
    return routes;
  }

  /**
   * The pattern with real ids; routes that destroy (DELETE, archive) get an id that names nothing,
   * so that the routes after them still find the fixtures.
   */
  String concrete(String pattern, Method method) {
    boolean destroys = method == Method.DELETE || pattern.endsWith("/archive");
    String resource = pattern.startsWith("/v1/") ? pattern.split("/")[2] : "";
    String id =
        destroys
            ? "nope_0"
            : switch (resource) {
              case "agents" -> agentId;
              case "environments" -> environmentId;
              case "sessions", "usage" -> sessionId;
              case "vaults" -> vaultId;
              case "memory_stores" -> memoryStoreId;
              default -> "nope_0";
            };
    return pattern
        .replace("{id}", id)
        .replace("{cid}", destroys ? "nope_1" : credentialId)
        .replace("{rid}", "sesrsc_nope1")
        .replace("{mid}", destroys ? "mem_nope1" : memoryId)
        .replace("{vid}", memoryVersionId)
        .replace("{tid}", "sthr_nope1")
        .replace("{wid}", "work_nope1")
        .replace("{kid}", "envkey_nope1");
  }

  // ---- the checks every answer passes ----

  void check(String what, int status, HttpHeaders headers, byte[] body) {
    checked++;
    String text = new String(body, StandardCharsets.UTF_8);
    assertThat(status).as(what + " -> " + text).isBetween(200, 499);
    if (status >= 400) {
      envelope(what, text, headers.firstValue("request-id").orElse(null));
    }
  }

  static void envelope(String what, String text, String requestIdHeader) {
    JsonNode body;
    try {
      body = Json.mapper().readTree(text);
    } catch (Exception e) {
      throw new AssertionError(what + ": error body is not JSON: '" + text + "'");
    }
    assertThat(body.path("type").asText()).as(what + " " + text).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).as(what + " " + text).isNotBlank();
    assertThat(body.path("error").path("message").asText()).as(what + " " + text).isNotBlank();
    assertThat(body.path("request_id").asText()).as(what + " " + text).startsWith("req_");
    assertThat(requestIdHeader)
        .as(what + " request-id header")
        .isEqualTo(body.path("request_id").asText());
  }

  HttpResponse<InputStream> send(String method, String pathAndQuery, byte[] body, String type)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.baseUrl() + pathAndQuery))
            .timeout(Duration.ofSeconds(20))
            .header("x-api-key", TestServer.KEY)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (type != null) {
      b.header("content-type", type);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  /** One request, checked; a stream that opened (200 text/event-stream) is closed unread. */
  void probe(String method, String pathAndQuery, byte[] body, String type) throws Exception {
    String what = method + " " + pathAndQuery + (body == null ? "" : " [" + preview(body) + "]");
    HttpResponse<InputStream> r = send(method, pathAndQuery, body, type);
    try (InputStream in = r.body()) {
      boolean stream =
          r.statusCode() == 200
              && r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream");
      check(what, r.statusCode(), r.headers(), stream ? new byte[0] : in.readAllBytes());
    }
  }

  static String preview(byte[] body) {
    String s = new String(body, 0, Math.min(body.length, 60), StandardCharsets.UTF_8);
    return s + (body.length > 60 ? "…(" + body.length + " bytes)" : "");
  }

  void assertHealthy() throws Exception {
    var health = server.call("GET", "/healthz", null);
    assertThat(health.statusCode()).isEqualTo(200);
    String id =
        id(
            server.call(
                "POST", "/v1/agents", "{\"name\":\"after\",\"model\":\"claude-sonnet-4-6\"}"));
    assertThat(server.call("GET", "/v1/agents/" + id, null).statusCode()).isEqualTo(200);
  }

  // ---- what is sent ----

  static final List<String> BAD_JSON =
      List.of(
          "{",
          "}",
          "{\"name\":}",
          "{\"name\" \"a\"}",
          "{'name':'a'}",
          "{\"a\":1,}",
          "[1,2",
          "nul",
          "\"unterminated",
          "{\"name\":\"a\"}{\"x\":1}",
          "[]",
          "1",
          "-0.5e999",
          "\"text\"",
          "null",
          "true",
          "{\"name\":\"\\u0000\",\"model\":\"\\u0000\"}",
          "{\"\\u0000\":1}",
          "{\"name\":\"\\ud800\"}",
          "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\"\\u0000\"}]}]}",
          "{\"metadata\":{\"k\":\"\\u0000\"},\"title\":\"\\u0000\",\"display_name\":\"\\u0000\"}",
          "{\"events\":\"x\",\"name\":1,\"model\":[],\"agent\":{},\"environment_id\":true}",
          "{\"events\":[null,1,\"x\",[]],\"tools\":[null],\"metadata\":[1]}",
          "{\"auth\":{\"type\":\"\\u0000\"},\"config\":{\"type\":7}}",
          "{\"name\":1e400,\"version\":99999999999999999999999}");

  static List<byte[]> badBytes() {
    List<byte[]> out = new ArrayList<>();
    out.add(new byte[] {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xff, '"', '}'});
    out.add(new byte[] {'{', '"', 't', 'i', 't', 'l', 'e', '"', ':', '"', (byte) 0xc3, '"', '}'});
    out.add(new byte[] {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', 0, '"', '}'});
    out.add(new byte[] {(byte) 0xfe, (byte) 0xff, 0, '{'});
    out.add(("{\"name\":\"" + "x".repeat(MAX_BODY) + "\"}").getBytes(StandardCharsets.UTF_8));
    out.add(("[".repeat(5000) + "]".repeat(5000)).getBytes(StandardCharsets.UTF_8));
    out.add(("{\"a\":".repeat(3000) + "1" + "}".repeat(3000)).getBytes(StandardCharsets.UTF_8));
    Random random = new Random(SEED);
    byte[] noise = new byte[2048];
    random.nextBytes(noise);
    out.add(noise);
    return out;
  }

  static final List<String> BAD_QUERIES =
      List.of(
          "limit=-1",
          "limit=abc",
          "limit=999999999999",
          "limit=%00",
          "order=sideways",
          "page=garbage",
          "page=page_!!!",
          "page=page_" + b64("[1,2]"),
          "page=page_" + b64("{\"l\":7}"),
          "page=page_" + b64("{\"l\":\"agents:x\",\"k\":\"x\",\"i\":{}}"),
          "page=page_" + b64("{\"l\":\"events:x\",\"o\":\"asc\",\"k\":1,\"i\":\"\\u0000\"}"),
          "created_at%5Bgte%5D=yesterday",
          "created_at%5Blt%5D=2026-13-45T99:99:99Z",
          "include_archived=maybe",
          "agent_id=%00",
          "agent_id=%FF",
          "types%5B%5D=%00",
          "types%5B%5D=not.a.type",
          "event_deltas%5B%5D=nope",
          "after_id=-5",
          "a=%e2%82",
          "=&&=&x",
          "from=x&to=y&group_by=z");

  static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  // ---- the tests ----

  @Test
  void everyRoute_malformedBodiesQueriesAndIds_areAnsweredInTheEnvelope() throws Exception {
    for (var route : routes()) {
      String pattern = route.getKey();
      for (Method method : route.getValue()) {
        String path = concrete(pattern, method);
        for (String q : BAD_QUERIES) {
          probe(method.text(), path + "?" + q, null, null);
        }
        if (pattern.contains("{")) {
          for (String junk : List.of("nope", "%00", "%FF%FE", "a%2Fb", "%20", "x".repeat(1500))) {
            probe(
                method.text(),
                pattern
                    .replace("{id}", junk)
                    .replace("{cid}", junk)
                    .replace("{rid}", junk)
                    .replace("{mid}", junk)
                    .replace("{vid}", junk)
                    .replace("{tid}", junk)
                    .replace("{wid}", junk)
                    .replace("{kid}", junk),
                null,
                null);
          }
        }
        if (method == Method.GET) {
          continue;
        }
        for (String body : BAD_JSON) {
          probe(method.text(), path, body.getBytes(StandardCharsets.UTF_8), "application/json");
        }
        for (byte[] body : badBytes()) {
          probe(method.text(), path, body, "application/json");
        }
        for (String type :
            List.of("text/plain", "application/xml", "multipart/form-data", "application/yaml")) {
          probe(method.text(), path, "{\"name\": [unclosed".getBytes(StandardCharsets.UTF_8), type);
        }
        probe(method.text(), path, ": - [ {".getBytes(StandardCharsets.UTF_8), "application/yaml");
        probe(method.text(), path, "a: !!binary x".getBytes(StandardCharsets.UTF_8), "text/yaml");
      }
    }
    assertThat(checked).isGreaterThan(1000);
    assertHealthy();
  }

  @Test
  void everyRoute_randomBodiesFromAFixedSeed_neverGiveA5xx() throws Exception {
    Random random = new Random(SEED);
    for (var route : routes()) {
      for (Method method : route.getValue()) {
        if (method == Method.GET) {
          continue;
        }
        String path = concrete(route.getKey(), method);
        for (int i = 0; i < 25; i++) {
          JsonNode body = randomBody(random, path);
          probe(
              method.text(),
              path,
              body.toString().getBytes(StandardCharsets.UTF_8),
              "application/json");
        }
      }
    }
    assertHealthy();
  }

  @Test
  void wrongMethods_onKnownPaths_are405NamingTheAllowedOnes() throws Exception {
    for (var route : routes()) {
      String path = concrete(route.getKey(), Method.GET);
      for (String method : List.of("GET", "POST", "PUT", "PATCH", "DELETE")) {
        if (route.getValue().contains(Method.create(method))) {
          continue;
        }
        HttpResponse<InputStream> r = send(method, path, "{}".getBytes(), "application/json");
        byte[] body = r.body().readAllBytes();
        String what = method + " " + path;
        // Another pattern may take this path with this method (POST /v1/agents/{id} vs. archive).
        if (r.statusCode() == 405) {
          String allow = r.headers().firstValue("allow").orElse("");
          route.getValue().forEach(m -> assertThat(allow).as(what).contains(m.text()));
          envelope(
              what,
              new String(body, StandardCharsets.UTF_8),
              r.headers().firstValue("request-id").orElse(null));
        } else {
          check(what, r.statusCode(), r.headers(), body);
        }
      }
    }
    var r = server.call("DELETE", "/v1/agents", null);
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("allow")).contains("POST, GET");
    assertThat(server.call("GET", "/v1/no-such-thing", null).statusCode()).isEqualTo(404);
    assertHealthy();
  }

  @Test
  void rawBracketsInQueryNames_areServed() throws Exception {
    String key = "x-api-key: " + TestServer.KEY + "\r\n";
    var listed =
        RawHttp.exchange(
            server.server.port(),
            ("GET /v1/sessions/"
                    + sessionId
                    + "/events?types[]=user.message&limit=5 HTTP/1.1\r\n"
                    + "Host: x\r\n"
                    + key
                    + "Connection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    assertThat(listed.status()).as(listed.text()).isEqualTo(200);
    var agents =
        RawHttp.exchange(
            server.server.port(),
            ("GET /v1/agents?created_at[gte]=2020-01-01T00:00:00Z HTTP/1.1\r\nHost: x\r\n"
                    + key
                    + "Connection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    assertThat(agents.status()).as(agents.text()).isEqualTo(200);
    assertThat(agents.text()).contains(agentId);
    var stream =
        RawHttp.head(
            server.server.port(),
            ("GET /v1/sessions/"
                    + sessionId
                    + "/events/stream?event_deltas[]=agent.message HTTP/1.1\r\n"
                    + "Host: x\r\n"
                    + key
                    + "\r\n")
                .getBytes(StandardCharsets.US_ASCII),
            1);
    assertThat(stream.status()).isEqualTo(200);
    assertThat(stream.header("content-type")).startsWith("text/event-stream");
  }

  @Test
  void malformedRequestLinesHeadersAndFraming_areAnsweredInTheEnvelope() throws Exception {
    String key = "x-api-key: " + TestServer.KEY + "\r\n";
    List<String> requests =
        List.of(
            "GARBAGE\r\n\r\n",
            "GET\r\n\r\n",
            "GET  HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n",
            "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
            "GET /healthz FOO/1.1\r\nHost: x\r\n\r\n",
            "GET /healthz HTTP/1.1\r\n\r\n",
            "GET /healthz HTTP/1.1\nHost: x\n\n",
            "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /v1/agents/\u0000 HTTP/1.1\r\nHost: x\r\n" + key + "\r\n",
            "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /v1/agents?x=%zz HTTP/1.1\r\nHost: x\r\n" + key + "\r\n",
            "GET /v1/agents?%zz=1&a=% HTTP/1.1\r\nHost: x\r\n" + key + "\r\n",
            "GET /v1/agents?a=\u00ff\u00fe HTTP/1.1\r\nHost: x\r\n" + key + "\r\n",
            "GET /v1/agents?q=\"<> HTTP/1.1\r\nHost: x\r\n" + key + "\r\n",
            "GET /v1/agents#frag[] HTTP/1.1\r\nHost: x\r\n" + key + "\r\n",
            "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /healthz HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(40_000) + "\r\n\r\n",
            "GET /healthz HTTP/1.1\r\nHost: x\r\nbad header line\r\n\r\n",
            "GET /v1/sessions/sesn_x/events/stream HTTP/1.1\r\nHost: x\r\n"
                + key
                + "Last-Event-ID: a\u0000b\r\n\r\n",
            "GET /healthz HTTP/1.1\r\nHost: x:notaport\r\n\r\n",
            "POST /v1/agents HTTP/1.1\r\nHost: x\r\n" + key + "Content-Length: abc\r\n\r\n{}",
            "POST /v1/agents HTTP/1.1\r\nHost: x\r\n" + key + "Content-Length: -5\r\n\r\n{}",
            "POST /v1/agents HTTP/1.1\r\nHost: x\r\n"
                + key
                + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
            "POST /v1/agents HTTP/1.1\r\nHost: x\r\n"
                + key
                + "Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n",
            "POST /v1/agents HTTP/1.1\r\nHost: x\r\n"
                + key
                + "Transfer-Encoding: chunked\r\n\r\n-1\r\n{}\r\n0\r\n\r\n",
            "POST /v1/agents HTTP/1.1\r\nHost: x\r\n"
                + key
                + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
            "POST /v1/agents HTTP/1.1\r\nHost: x\r\n"
                + key
                + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n",
            "POST /v1/agents HTTP/1.1\r\nHost: x\r\n"
                + key
                + "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            "POST /v1/agents HTTP/1.1\r\nHost: x\r\n"
                + key
                + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
    for (String request : requests) {
      String what = request.length() > 120 ? request.substring(0, 120) + "…" : request;
      RawHttp.Response r =
          RawHttp.exchange(server.server.port(), request.getBytes(StandardCharsets.ISO_8859_1));
      checked++;
      assertThat(r.status())
          .as(what + " -> " + r.statusLine() + " " + r.text())
          .isBetween(200, 499);
      if (r.status() >= 400) {
        envelope(what, r.text(), r.header("request-id"));
      }
    }
    assertHealthy();
  }

  @Test
  void http10_requestsAreServed_andEachResponseEndsAtTheClose() throws Exception {
    int port = server.server.port();
    String key = "x-api-key: " + TestServer.KEY + "\r\n";
    var health = RawHttp.exchange(port, "GET /healthz HTTP/1.0\r\n\r\n".getBytes(), true);
    assertThat(health.status()).as(health.text()).isEqualTo(200);
    assertThat(health.text()).contains("\"ok\"");
    assertThat(health.closed()).as("closed after the response").isTrue();
    assertThat(health.header("transfer-encoding")).isNull();

    String agent = "{\"name\":\"over-1.0\",\"model\":\"claude-sonnet-4-6\"}";
    var created =
        RawHttp.exchange(
            port,
            ("POST /v1/agents HTTP/1.0\r\n"
                    + key
                    + "Content-Type: application/json\r\n"
                    + "Connection: keep-alive\r\nContent-Length: "
                    + agent.length()
                    + "\r\n\r\n"
                    + agent)
                .getBytes(StandardCharsets.UTF_8));
    assertThat(created.status()).as(created.text()).isEqualTo(200);
    String id = Json.mapper().readTree(created.text()).get("id").asText();
    var got =
        RawHttp.exchange(
            port,
            ("GET /v1/agents/" + id + " HTTP/1.0\r\nHost: proxy\r\n" + key + "\r\n").getBytes());
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.text()).contains("over-1.0");

    var missing =
        RawHttp.exchange(port, ("GET /v1/agents/nope HTTP/1.0\r\n" + key + "\r\n").getBytes());
    assertThat(missing.status()).isEqualTo(404);
    envelope("HTTP/1.0 404", missing.text(), missing.header("request-id"));
    var bad =
        RawHttp.exchange(
            port, ("POST /v1/agents HTTP/1.0\r\n" + key + "Content-Length: 1\r\n\r\n{").getBytes());
    assertThat(bad.status()).isEqualTo(400);
    envelope("HTTP/1.0 400", bad.text(), bad.header("request-id"));
    var noHeaderEnd =
        RawHttp.exchange(port, "GET /healthz HTTP/1.0\r\nbad header\r\n\r\n".getBytes());
    assertThat(noHeaderEnd.status()).isEqualTo(400);
    envelope("HTTP/1.0 bad header", noHeaderEnd.text(), noHeaderEnd.header("request-id"));

    // A stream has no length: over HTTP/1.0 it is sent without chunk framing, its first frame
    // (a ping) straight after the head.
    String ping = "event: ping\ndata: {\"type\":\"ping\"}\n\n";
    var stream =
        RawHttp.head(
            port,
            ("GET /v1/sessions/"
                    + sessionId
                    + "/events/stream?event_deltas[]=agent.message HTTP/1.0\r\n"
                    + key
                    + "\r\n")
                .getBytes(),
            ping.length());
    assertThat(stream.status()).isEqualTo(200);
    assertThat(stream.header("transfer-encoding")).isNull();
    assertThat(stream.text()).isEqualTo(ping);
    assertHealthy();
  }

  // ---- random bodies ----

  static final List<String> FIELDS =
      List.of(
          "name",
          "model",
          "system",
          "description",
          "tools",
          "mcp_servers",
          "skills",
          "metadata",
          "version",
          "agent",
          "environment_id",
          "title",
          "resources",
          "vault_ids",
          "events",
          "config",
          "display_name",
          "auth",
          "budget",
          "type",
          "content",
          "networking",
          "packages");

  JsonNode randomBody(Random r, String path) {
    ObjectNode body = template(path);
    int mutations = 1 + r.nextInt(3);
    for (int i = 0; i < mutations; i++) {
      String field =
          r.nextBoolean() && body.size() > 0
              ? body.properties().stream()
                  .map(Map.Entry::getKey)
                  .toList()
                  .get(r.nextInt(body.size()))
              : FIELDS.get(r.nextInt(FIELDS.size()));
      body.set(field, randomValue(r, 0));
    }
    return body;
  }

  ObjectNode template(String path) {
    String json;
    if (path.endsWith("/events")) {
      json = "{\"events\":[{\"type\":\"user.interrupt\"}]}";
    } else if (path.contains("/credentials")) {
      json =
          "{\"display_name\":\"c\",\"auth\":{\"type\":\"static_bearer\",\"mcp_server_url\":\"https://m.example.com\",\"token\":\"t\"}}";
    } else if (path.startsWith("/v1/vaults")) {
      json = "{\"display_name\":\"v\"}";
    } else if (path.startsWith("/v1/sessions")) {
      json = "{\"agent\":\"" + agentId + "\",\"environment_id\":\"" + environmentId + "\"}";
    } else if (path.startsWith("/v1/environments")) {
      json = "{\"name\":\"e\"}";
    } else {
      json = "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\"}";
    }
    try {
      return (ObjectNode) Json.mapper().readTree(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonNode randomValue(Random r, int depth) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    return switch (r.nextInt(depth > 3 ? 7 : 10)) {
      case 0 -> f.nullNode();
      case 1 -> f.booleanNode(r.nextBoolean());
      case 2 -> f.numberNode(r.nextLong());
      case 3 -> f.numberNode(r.nextDouble() * 1e300);
      case 4 -> f.textNode(randomText(r));
      case 5 -> f.textNode("x".repeat(r.nextInt(20_000)));
      case 6 ->
          f.textNode(
              List.of("", " ", "\u0000", "a\u0000b", "\ud800", "é✓😀", "claude-x", "scripted:x")
                  .get(r.nextInt(8)));
      case 7 -> {
        ArrayNode a = f.arrayNode();
        for (int i = r.nextInt(4); i > 0; i--) {
          a.add(randomValue(r, depth + 1));
        }
        yield a;
      }
      default -> {
        ObjectNode o = f.objectNode();
        for (int i = r.nextInt(4); i > 0; i--) {
          o.set(FIELDS.get(r.nextInt(FIELDS.size())), randomValue(r, depth + 1));
        }
        yield o;
      }
    };
  }

  static String randomText(Random r) {
    StringBuilder b = new StringBuilder();
    for (int i = r.nextInt(40); i > 0; i--) {
      b.append((char) r.nextInt(0x3000));
    }
    return b.toString();
  }
}
