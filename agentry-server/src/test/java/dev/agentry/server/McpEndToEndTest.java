package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MCP servers end to end: the real server and harness, a real MCP server (same SDK) that checks the
 * bearer token, the fake model calling the MCP tool, and vault credentials (static bearer, OAuth
 * with refresh) that never show up in events, model requests or log output.
 */
class McpEndToEndTest {
  static final String STATIC_TOKEN = "mcp-static-token-9f8e7d6c5b4a";
  static final String OLD_ACCESS = "oauth-old-access-1a2b3c4d";
  static final String NEW_ACCESS = "oauth-new-access-5e6f7a8b";
  static final String REFRESH = "oauth-refresh-token-0c9d8e7f";
  static final String CLIENT_SECRET = "oauth-client-secret-3141592";

  @TempDir static Path dataDir;
  static FakeAnthropic fake;
  static TestServer server;
  static String envId;
  static HttpServer tokenEndpoint;
  static final List<String> tokenRequests = new CopyOnWriteArrayList<>();
  static final AtomicInteger tokenStatus = new AtomicInteger(200);
  static final ByteArrayOutputStream output = new ByteArrayOutputStream();
  static PrintStream originalOut;
  static PrintStream originalErr;

  @BeforeAll
  static void start() throws Exception {
    originalOut = System.out;
    originalErr = System.err;
    PrintStream tee = new PrintStream(new Tee(originalOut, output), true, StandardCharsets.UTF_8);
    System.setOut(tee);
    System.setErr(tee);
    fake = FakeAnthropic.start();
    server =
        new TestServer(
            dataDir,
            null,
            Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-test"));
    envId = BadInputTest.id(server.call("POST", "/v1/environments", "{\"name\":\"mcp\"}"));
    tokenEndpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    tokenEndpoint.createContext(
        "/oauth/token",
        ex -> {
          tokenRequests.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          int status = tokenStatus.get();
          byte[] body =
              (status == 200
                      ? "{\"access_token\":\""
                          + NEW_ACCESS
                          + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}"
                      : "{\"error\":\"invalid_grant\"}")
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(status, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    tokenEndpoint.start();
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
    tokenEndpoint.stop(0);
    System.setOut(originalOut);
    System.setErr(originalErr);
  }

  static String agent(String url) throws Exception {
    return BadInputTest.id(
        server.call(
            "POST",
            "/v1/agents",
            "{\"name\":\"mcp\",\"model\":\"claude-sonnet-4-6\","
                + "\"mcp_servers\":[{\"type\":\"url\",\"name\":\"tools\",\"url\":\""
                + url
                + "\"}],\"tools\":[{\"type\":\"mcp_toolset\",\"mcp_server_name\":\"tools\"}]}"));
  }

  static String vaultWith(String authJson) throws Exception {
    String vault = BadInputTest.id(server.call("POST", "/v1/vaults", "{\"display_name\":\"mcp\"}"));
    HttpResponse<String> r =
        server.call("POST", "/v1/vaults/" + vault + "/credentials", "{\"auth\":" + authJson + "}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return vault + " " + BadInputTest.id(r);
  }

  static String session(String agentId, String vaultId) throws Exception {
    return BadInputTest.id(
        server.call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\""
                + agentId
                + "\",\"environment_id\":\""
                + envId
                + "\",\"vault_ids\":"
                + (vaultId == null ? "[]" : "[\"" + vaultId + "\"]")
                + "}"));
  }

  static List<JsonNode> turn(String session) throws Exception {
    AgentLoopEndToEndTest.say(server, session, "use the tool");
    return awaitIdle(session);
  }

  static List<JsonNode> awaitIdle(String session) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      List<JsonNode> log = events(session);
      if (AgentLoopEndToEndTest.types(log).contains("session.status_idle")) {
        return log;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("not idle: " + AgentLoopEndToEndTest.types(events(session)));
  }

  static List<JsonNode> events(String session) throws Exception {
    return eventsOf(server, session);
  }

  /** A session's events as read through {@code server}'s API (shared with other MCP tests). */
  static List<JsonNode> eventsOf(TestServer server, String session) throws Exception {
    JsonNode body =
        Json.mapper()
            .readTree(server.call("GET", "/v1/sessions/" + session + "/events", null).body());
    List<JsonNode> out = new java.util.ArrayList<>();
    body.get("data").forEach(out::add);
    return out;
  }

  static String eventsBody(String session) {
    return server.call("GET", "/v1/sessions/" + session + "/events", null).body();
  }

  static void assertNowhere(String secret, String session) {
    assertThat(eventsBody(session)).doesNotContain(secret);
    fake.requests().forEach(r -> assertThat(r.body().toString()).doesNotContain(secret));
    assertThat(output.toString(StandardCharsets.UTF_8)).doesNotContain(secret);
  }

  @Test
  void staticBearer_toolCallReachesTheModel_tokenOnlyOnTheConnection() throws Exception {
    try (TestMcpServer mcp = new TestMcpServer(Set.of(STATIC_TOKEN))) {
      String vault =
          vaultWith(
                  "{\"type\":\"static_bearer\",\"mcp_server_url\":\""
                      + mcp.url()
                      + "/\",\"token\":\""
                      + STATIC_TOKEN
                      + "\"}")
              .split(" ")[0];
      int base = fake.requests().size();
      fake.enqueue(
          FakeAnthropic.toolUse("tools__echo", "{\"text\":\"hello mcp\"}"),
          FakeAnthropic.text("done"));
      String session = session(agent(mcp.url()), vault);
      List<JsonNode> log = turn(session);

      JsonNode use = AgentLoopEndToEndTest.last(log, "agent.mcp_tool_use");
      assertThat(use.get("name").asText()).isEqualTo("echo");
      assertThat(use.get("mcp_server_name").asText()).isEqualTo("tools");
      assertThat(use.get("evaluated_permission").asText()).isEqualTo("allow");
      assertThat(use.get("input").get("text").asText()).isEqualTo("hello mcp");
      JsonNode result = AgentLoopEndToEndTest.last(log, "agent.mcp_tool_result");
      assertThat(result.get("mcp_tool_use_id").asText()).isEqualTo(use.get("id").asText());
      assertThat(result.get("is_error").asBoolean()).isFalse();
      assertThat(result.get("content").get(0).get("text").asText()).isEqualTo("echo: hello mcp");

      List<FakeAnthropic.RecordedRequest> reqs =
          fake.requests().subList(base, fake.requests().size());
      assertThat(reqs.get(0).body().toString()).contains("tools__echo");
      assertThat(reqs.get(1).body().toString()).contains("echo: hello mcp");
      assertThat(mcp.authorizations).isNotEmpty().allMatch(("Bearer " + STATIC_TOKEN)::equals);
      assertNowhere(STATIC_TOKEN, session);
    }
  }

  @Test
  void expiredOAuthToken_isRefreshed_usedAndStored() throws Exception {
    try (TestMcpServer mcp = new TestMcpServer(Set.of(NEW_ACCESS))) {
      tokenStatus.set(200);
      tokenRequests.clear();
      String[] ids = vaultWith(oauth(mcp.url(), Instant.now().minusSeconds(10))).split(" ");
      fake.enqueue(
          FakeAnthropic.toolUse("tools__echo", "{\"text\":\"x\"}"), FakeAnthropic.text("ok"));
      String session = session(agent(mcp.url()), ids[0]);
      List<JsonNode> log = turn(session);

      assertThat(
              AgentLoopEndToEndTest.last(log, "agent.mcp_tool_result").get("is_error").asBoolean())
          .isFalse();
      assertThat(tokenRequests).hasSize(1);
      assertThat(tokenRequests.get(0))
          .contains("grant_type=refresh_token")
          .contains("refresh_token=" + REFRESH)
          .contains("client_id=agentry-client")
          .contains("client_secret=" + CLIENT_SECRET);
      assertThat(mcp.authorizations).contains("Bearer " + NEW_ACCESS);
      assertThat(mcp.authorizations).doesNotContain("Bearer " + OLD_ACCESS);
      JsonNode cred =
          Json.mapper()
              .readTree(
                  server
                      .call("GET", "/v1/vaults/" + ids[0] + "/credentials/" + ids[1], null)
                      .body());
      assertThat(Instant.parse(cred.at("/auth/expires_at").asText()))
          .isAfter(Instant.now().plusSeconds(3000));

      // The refreshed token was stored: a new session uses it without refreshing again.
      fake.enqueue(
          FakeAnthropic.toolUse("tools__echo", "{\"text\":\"y\"}"), FakeAnthropic.text("ok"));
      String second = session(agent(mcp.url()), ids[0]);
      List<JsonNode> log2 = turn(second);
      assertThat(
              AgentLoopEndToEndTest.last(log2, "agent.mcp_tool_result").get("is_error").asBoolean())
          .isFalse();
      assertThat(tokenRequests).hasSize(1);
      for (String secret : List.of(OLD_ACCESS, NEW_ACCESS, REFRESH, CLIENT_SECRET)) {
        assertNowhere(secret, session);
        assertNowhere(secret, second);
      }
    }
  }

  @Test
  void failedRefresh_isAnAuthenticationError_andTheTurnGoesOn() throws Exception {
    try (TestMcpServer mcp = new TestMcpServer(Set.of(NEW_ACCESS))) {
      tokenStatus.set(400);
      String vault = vaultWith(oauth(mcp.url(), Instant.now().minusSeconds(10))).split(" ")[0];
      fake.enqueue(FakeAnthropic.text("no tools today"));
      String session = session(agent(mcp.url()), vault);
      List<JsonNode> log = turn(session);
      JsonNode error = AgentLoopEndToEndTest.last(log, "session.error").get("error");
      assertThat(error.get("type").asText()).isEqualTo("mcp_authentication_failed_error");
      assertThat(error.get("mcp_server_name").asText()).isEqualTo("tools");
      assertThat(error.get("message").asText()).contains("refresh_failed");
      assertThat(AgentLoopEndToEndTest.types(log)).contains("agent.message");
      assertNowhere(REFRESH, session);
    } finally {
      tokenStatus.set(200);
    }
  }

  @Test
  void unreachableServer_isAConnectionError_andItsToolsAreNotOffered() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    int base = fake.requests().size();
    fake.enqueue(FakeAnthropic.text("fine without it"));
    String session = session(agent("http://127.0.0.1:" + port + "/mcp"), null);
    List<JsonNode> log = turn(session);
    JsonNode error = AgentLoopEndToEndTest.last(log, "session.error").get("error");
    assertThat(error.get("type").asText()).isEqualTo("mcp_connection_failed_error");
    assertThat(error.get("mcp_server_name").asText()).isEqualTo("tools");
    assertThat(error.get("retry_status").get("type").asText()).isEqualTo("terminal");
    assertThat(fake.requests().get(base).body().toString()).doesNotContain("tools__");
    assertThat(AgentLoopEndToEndTest.last(log, "agent.message").toString())
        .contains("fine without it");
  }

  static String oauth(String url, Instant expiresAt) {
    return "{\"type\":\"mcp_oauth\",\"mcp_server_url\":\""
        + url
        + "\",\"access_token\":\""
        + OLD_ACCESS
        + "\",\"expires_at\":\""
        + expiresAt
        + "\",\"refresh\":{\"refresh_token\":\""
        + REFRESH
        + "\",\"client_id\":\"agentry-client\",\"token_endpoint\":\"http://127.0.0.1:"
        + tokenEndpoint.getAddress().getPort()
        + "/oauth/token\",\"token_endpoint_auth\":{\"type\":\"client_secret_post\","
        + "\"client_secret\":\""
        + CLIENT_SECRET
        + "\"}}}";
  }

  /** Copies what the server prints to the console and into a buffer the test searches. */
  static final class Tee extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    Tee(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int x) throws java.io.IOException {
      a.write(x);
      b.write(x);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
