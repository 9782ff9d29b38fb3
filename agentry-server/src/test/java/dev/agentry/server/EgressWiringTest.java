package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.agentry.core.Json;
import dev.agentry.core.ToolOutcome;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An environment's networking reaches its sessions' sandboxes through the server: a host the
 * environment allows answers through the egress proxy; one it does not is refused; a session of an
 * environment without networking has no way out.
 */
class EgressWiringTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static HttpServer upstream;
  static HttpServer other;

  @BeforeAll
  static void start() throws Exception {
    server = new TestServer(dataDir, null);
    upstream = serve("allowed upstream");
    other = serve("forbidden upstream");
  }

  @AfterAll
  static void stop() {
    server.close();
    upstream.stop(0);
    other.stop(0);
  }

  static final java.util.List<String> AUTHORIZATIONS =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  static HttpServer serve(String body) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.createContext(
        "/",
        exchange -> {
          String auth = exchange.getRequestHeaders().getFirst("Authorization");
          if (auth != null) {
            AUTHORIZATIONS.add(auth);
          }
          byte[] b = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, b.length);
          exchange.getResponseBody().write(b);
          exchange.close();
        });
    s.start();
    return s;
  }

  static String session(String environmentBody) throws Exception {
    return session(environmentBody, "[]");
  }

  static String session(String environmentBody, String vaultIds) throws Exception {
    String agent =
        BadInputTest.id(
            server.call("POST", "/v1/agents", "{\"name\":\"n\",\"model\":\"claude-sonnet-4-6\"}"));
    String env = BadInputTest.id(server.call("POST", "/v1/environments", environmentBody));
    return BadInputTest.id(
        server.call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\""
                + agent
                + "\",\"environment_id\":\""
                + env
                + "\",\"vault_ids\":"
                + vaultIds
                + "}"));
  }

  static ToolOutcome bash(String session, String command) {
    return server
        .server
        .tools()
        .execute(session, "bash", Json.mapper().createObjectNode().put("command", command));
  }

  static String curl(int port) {
    return "curl -sS --max-time 10 -w ' status=%{http_code}' http://127.0.0.1:" + port + "/ 2>&1";
  }

  @Test
  void limitedEnvironment_reachesOnlyItsAllowedHosts() throws Exception {
    int allowed = upstream.getAddress().getPort();
    String session =
        session(
            "{\"name\":\"limited\",\"config\":{\"type\":\"cloud\",\"networking\":{\"type\":\"limited\","
                + "\"allowed_hosts\":[\"127.0.0.1:"
                + allowed
                + "\"]}}}");
    assertThat(bash(session, curl(allowed)).text()).contains("allowed upstream", "status=200");
    assertThat(bash(session, curl(other.getAddress().getPort())).text())
        .contains("status=403")
        .doesNotContain("forbidden upstream");
  }

  @Test
  void environmentWithoutNetworking_hasNoWayOut() throws Exception {
    String session = session("{\"name\":\"closed\"}");
    String out = bash(session, curl(upstream.getAddress().getPort())).text();
    assertThat(out).doesNotContain("allowed upstream").doesNotContain("status=200");
    // The exact failure, so a curl that never ran cannot pass: no connection, so no HTTP status.
    assertThat(out).contains("Failed to connect").contains("status=000");
  }

  @Test
  void vaultEnvironmentVariable_isAPlaceholderInside_andTheSecretAtItsHost() throws Exception {
    int port = upstream.getAddress().getPort();
    String secret = "ghp_realSecretValue_0123456789abcdef";
    String vault = BadInputTest.id(server.call("POST", "/v1/vaults", "{\"display_name\":\"ci\"}"));
    var created =
        server.call(
            "POST",
            "/v1/vaults/" + vault + "/credentials",
            "{\"auth\":{\"type\":\"environment_variable\",\"secret_name\":\"GH_TOKEN\",\"secret_value\":\""
                + secret
                + "\",\"networking\":{\"type\":\"limited\",\"allowed_hosts\":[\"127.0.0.1:"
                + port
                + "\"]}}}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    String session =
        session(
            "{\"name\":\"cred\",\"config\":{\"type\":\"cloud\",\"networking\":{\"type\":\"limited\","
                + "\"allowed_hosts\":[\"127.0.0.1:"
                + port
                + "\"]}}}",
            "[\"" + vault + "\"]");
    String inside =
        bash(
                session,
                "echo \"token=$GH_TOKEN\"; cat /proc/self/environ | tr '\\0' '\\n' | grep -c "
                    + secret.substring(0, 12)
                    + " || true")
            .text();
    assertThat(inside).contains("token=agentry-placeholder-").doesNotContain(secret);
    AUTHORIZATIONS.clear();
    String reply =
        bash(
                session,
                "curl -sS --max-time 10 -H \"Authorization: Bearer $GH_TOKEN\" http://127.0.0.1:"
                    + port
                    + "/")
            .text();
    assertThat(reply).contains("allowed upstream").doesNotContain(secret);
    assertThat(AUTHORIZATIONS).containsExactly("Bearer " + secret);
  }
}
