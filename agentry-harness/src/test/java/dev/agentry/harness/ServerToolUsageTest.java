package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.DefaultToolConfig;
import dev.agentry.core.Json;
import dev.agentry.core.ModelConfig;
import dev.agentry.core.PermissionPolicy;
import dev.agentry.core.Session;
import dev.agentry.core.SessionUsage;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolSpec;
import dev.agentry.testkit.StoreFixtures;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code usage.server_tool_use}: the web_search and web_fetch calls the harness ran. */
class ServerToolUsageTest extends HarnessTestBase {
  final SearchProvider search =
      (query, max) ->
          List.of(new SearchProvider.Result("Agentry", "https://agentry.example/", "a runtime"));
  HttpServer server;
  String base;

  @Override
  HarnessConfig config() {
    return super.config()
        .withRuntimeTools(
            new RuntimeToolSettings(AutoPolicy.none(), search, Duration.ofSeconds(5), 1 << 20));
  }

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/page",
        ex -> {
          byte[] b =
              "<html><body><p>Local page.</p></body></html>".getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "text/html");
          ex.sendResponseHeaders(200, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  /** A new session whose web_fetch may reach 127.0.0.1 and whose web_search has {@code policy}. */
  void useSession(PermissionPolicy searchPolicy) {
    List<ToolConfig> configs =
        List.of(
            new ToolConfig(
                "web_fetch",
                "web_fetch",
                true,
                PermissionPolicy.ALWAYS_ALLOW,
                List.of("127.0.0.1"),
                null,
                null,
                null,
                null),
            ToolConfig.simple("web_search", true, searchPolicy));
    AgentSpec spec =
        new AgentSpec(
            "tester",
            "",
            "You are a test.",
            new ModelConfig("claude-test", null, null, null),
            List.of(new ToolSpec.AgentToolset(DefaultToolConfig.ALLOW_ALL, configs)),
            List.of(),
            List.of(),
            Map.of(),
            null,
            null);
    Instant now = Instant.now();
    Session s = StoreFixtures.session(StoreFixtures.agent(spec, now), now);
    sessionId = store.sessions().create(s, List.of()).id();
  }

  @Test
  void webCallsTheHarnessRan_areCounted_inTheSessionAndItsUsageEvents() {
    useSession(PermissionPolicy.ALWAYS_ALLOW);
    int port = server.getAddress().getPort();
    model
        .thenTool("web_search", "{\"query\":\"agentry\"}")
        .thenTool("web_fetch", "{\"url\":\"" + base + "/page\"}")
        // Refused by the tool itself (not in allowed_domains): it ran, so it counts.
        .thenTool("web_fetch", "{\"url\":\"http://localhost:" + port + "/page\"}")
        .thenText("done");
    say("look it up");
    awaitIdles(1);

    var results = ofType("agent.tool_result").stream().map(e -> e.payload()).toList();
    assertThat(results.get(0)).contains("https://agentry.example/");
    assertThat(results.get(1)).contains("Local page.");
    assertThat(results.get(2)).contains("allowed_domains").contains("\"is_error\":true");
    SessionUsage u = stored().usage();
    assertThat(u.webSearchRequests()).isEqualTo(1);
    assertThat(u.webFetchRequests()).isEqualTo(2);
    assertThat(u.inputTokens()).isEqualTo(40);

    // Each session.usage snapshot shows the calls run before its model request.
    var snapshots =
        ofType("session.usage").stream()
            .map(e -> Events.payload(e).path("usage").path("server_tool_use").toString())
            .toList();
    assertThat(snapshots)
        .containsExactly(
            "{\"web_search_requests\":0,\"web_fetch_requests\":0}",
            "{\"web_search_requests\":1,\"web_fetch_requests\":0}",
            "{\"web_search_requests\":1,\"web_fetch_requests\":1}",
            "{\"web_search_requests\":1,\"web_fetch_requests\":2}");
  }

  @Test
  void aCallThePermissionPolicyRefused_isNotCounted() {
    useSession(PermissionPolicy.ALWAYS_ASK);
    model.thenTool("web_search", "{\"query\":\"agentry\"}").thenText("fine");
    say("look it up");
    awaitIdles(1);
    String useId = ofType("agent.tool_use").get(0).id();
    send("user.tool_confirmation", "{\"tool_use_id\":\"" + useId + "\",\"result\":\"deny\"}");
    awaitIdles(2);

    assertThat(ofType("agent.tool_result").get(0).payload()).contains("\"is_error\":true");
    assertThat(stored().usage().webSearchRequests()).isZero();
    assertThat(
            Events.payload(ofType("session.usage").getLast())
                .at("/usage/server_tool_use/web_search_requests")
                .asLong())
        .isZero();
    golden("confirmation-deny");
  }

  @Test
  void storedSessionsFromBeforeTheCounts_loadWithZero_andTheCountsRoundTrip() throws Exception {
    Session s = session().withUsage(new SessionUsage(100, 50, 1, 2, 3.5, 4, 5));
    ObjectNode json = (ObjectNode) Json.mapper().valueToTree(s);
    ObjectNode usage = (ObjectNode) json.get("usage");
    usage.remove("web_search_requests");
    usage.remove("web_fetch_requests");
    Session old = Json.read(json.toString(), Session.class);
    assertThat(old.usage()).isEqualTo(new SessionUsage(100, 50, 1, 2, 3.5));
    assertThat(Json.read(Json.write(s), Session.class).usage()).isEqualTo(s.usage());
    assertThat(Spend.usagePayload(old, SpendLimits.defaults()).at("/usage/server_tool_use"))
        .hasToString("{\"web_search_requests\":0,\"web_fetch_requests\":0}");
  }
}
