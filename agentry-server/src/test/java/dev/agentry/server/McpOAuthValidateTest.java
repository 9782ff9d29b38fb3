package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.models.beta.vaults.credentials.BetaManagedAgentsCredentialValidation;
import com.anthropic.models.beta.vaults.credentials.BetaManagedAgentsCredentialValidationStatus;
import com.anthropic.models.beta.vaults.credentials.BetaManagedAgentsRefreshObject;
import com.anthropic.models.beta.vaults.credentials.CredentialMcpOAuthValidateParams;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mcp_oauth_validate} through the official Java SDK against a real MCP server on loopback
 * that accepts one bearer token, and an OAuth token endpoint stub on loopback that hands it out
 * (docs/decisions/0042).
 */
class McpOAuthValidateTest {
  static final String GOOD = "at_good_0123456789";
  static final String STALE = "at_stale_0123456789";
  static final String REFRESH = "rt_0123456789";
  static final String SECRET = "cs_0123456789";

  @TempDir static Path dataDir;
  static TestServer server;
  static AnthropicClient client;
  static TestMcpServer mcp;
  static HttpServer tokenEndpoint;
  static final List<String> tokenRequests = new CopyOnWriteArrayList<>();
  static final AtomicInteger tokenStatus = new AtomicInteger(200);

  @BeforeAll
  static void start() throws Exception {
    server = new TestServer(dataDir, null, Map.of("ANTHROPIC_API_KEY", "sk-ant-validate"));
    client = server.sdk();
    mcp = new TestMcpServer(Set.of(GOOD));
    tokenEndpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    tokenEndpoint.createContext(
        "/oauth/token",
        ex -> {
          tokenRequests.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          int status = tokenStatus.get();
          byte[] body =
              (status == 200
                      ? "{\"access_token\":\"" + GOOD + "\",\"expires_in\":3600}"
                      : "{\"error\":\"invalid_grant\",\"refresh_token\":\"" + REFRESH + "\"}")
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(status, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    tokenEndpoint.start();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    mcp.close();
    tokenEndpoint.stop(0);
  }

  @BeforeEach
  void reset() {
    tokenStatus.set(200);
    tokenRequests.clear();
  }

  @Test
  void aTokenTheServerAccepts_isValid_withoutARefresh() throws Exception {
    String[] ids = credential(oauth(mcp.url(), GOOD, tokenUrl()));
    var v = validate(ids);
    assertThat(v.status()).isEqualTo(BetaManagedAgentsCredentialValidationStatus.VALID);
    assertThat(v.hasRefreshToken()).isTrue();
    assertThat(v.mcpProbe().orElseThrow().method()).isEqualTo("initialize");
    assertThat(v.mcpProbe().orElseThrow().httpResponse().orElseThrow().statusCode()).isEqualTo(200);
    assertThat(v.refresh()).isEmpty();
    assertThat(v.credentialId()).isEqualTo(ids[1]);
    assertThat(v.vaultId()).isEqualTo(ids[0]);
    assertThat(tokenRequests).isEmpty();
  }

  @Test
  void aRefusedToken_isRefreshed_sealedBack_andProbedAgain() throws Exception {
    String[] ids = credential(oauth(mcp.url(), STALE, tokenUrl()));
    var v = validate(ids);
    assertThat(v.status()).isEqualTo(BetaManagedAgentsCredentialValidationStatus.VALID);
    var refresh = v.refresh().orElseThrow();
    assertThat(refresh.status()).isEqualTo(BetaManagedAgentsRefreshObject.Status.SUCCEEDED);
    var answer = refresh.httpResponse().orElseThrow();
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.contentType()).isEqualTo("application/json");
    assertThat(answer.body()).contains("[redacted]").doesNotContain(GOOD);
    assertThat(v.mcpProbe().orElseThrow().httpResponse().orElseThrow().statusCode()).isEqualTo(200);
    assertThat(tokenRequests).singleElement().asString().contains("grant_type=refresh_token");

    // the new token was sealed into the vault: the next validation needs no refresh
    tokenRequests.clear();
    var again = validate(ids);
    assertThat(again.status()).isEqualTo(BetaManagedAgentsCredentialValidationStatus.VALID);
    assertThat(again.refresh()).isEmpty();
    assertThat(tokenRequests).isEmpty();
  }

  @Test
  void aRefusedToken_withoutARefreshToken_isInvalid_noRefreshToken() throws Exception {
    String[] ids =
        credential(
            "{\"type\":\"mcp_oauth\",\"mcp_server_url\":\""
                + mcp.url()
                + "\",\"access_token\":\""
                + STALE
                + "\"}");
    var v = validate(ids);
    assertThat(v.status()).isEqualTo(BetaManagedAgentsCredentialValidationStatus.INVALID);
    assertThat(v.hasRefreshToken()).isFalse();
    assertThat(v.refresh().orElseThrow().status())
        .isEqualTo(BetaManagedAgentsRefreshObject.Status.NO_REFRESH_TOKEN);
    assertThat(v.refresh().orElseThrow().httpResponse()).isEmpty();
    assertThat(v.mcpProbe().orElseThrow().httpResponse().orElseThrow().statusCode()).isEqualTo(401);
  }

  @Test
  void aRefreshTheEndpointRefuses_isFailed_andInvalid_withItsAnswerRedacted() throws Exception {
    tokenStatus.set(400);
    String[] ids = credential(oauth(mcp.url(), STALE, tokenUrl()));
    var v = validate(ids);
    assertThat(v.status()).isEqualTo(BetaManagedAgentsCredentialValidationStatus.INVALID);
    var refresh = v.refresh().orElseThrow();
    assertThat(refresh.status()).isEqualTo(BetaManagedAgentsRefreshObject.Status.FAILED);
    assertThat(refresh.httpResponse().orElseThrow().statusCode()).isEqualTo(400);
    assertThat(refresh.httpResponse().orElseThrow().body())
        .contains("invalid_grant")
        .doesNotContain(REFRESH);
  }

  @Test
  void anUnreachableTokenEndpoint_isConnectError_andUnknown() throws Exception {
    String[] ids =
        credential(oauth(mcp.url(), STALE, "http://127.0.0.1:" + freePort() + "/oauth/token"));
    var v = validate(ids);
    assertThat(v.status()).isEqualTo(BetaManagedAgentsCredentialValidationStatus.UNKNOWN);
    assertThat(v.refresh().orElseThrow().status())
        .isEqualTo(BetaManagedAgentsRefreshObject.Status.CONNECT_ERROR);
    assertThat(v.refresh().orElseThrow().httpResponse()).isEmpty();
  }

  @Test
  void anUnreachableMcpServer_isUnknown_withNoHttpResponse() throws Exception {
    String[] ids = credential(oauth("http://127.0.0.1:" + freePort() + "/mcp", GOOD, tokenUrl()));
    var v = validate(ids);
    assertThat(v.status()).isEqualTo(BetaManagedAgentsCredentialValidationStatus.UNKNOWN);
    assertThat(v.mcpProbe().orElseThrow().httpResponse()).isEmpty();
    assertThat(v.refresh()).isEmpty();
  }

  @Test
  void aStaticBearerCredential_or_anUnknownOne_isRefused() throws Exception {
    String vault = BadInputTest.id(server.call("POST", "/v1/vaults", "{\"display_name\":\"v\"}"));
    String cred =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/vaults/" + vault + "/credentials",
                "{\"auth\":{\"type\":\"static_bearer\",\"mcp_server_url\":\""
                    + mcp.url()
                    + "\",\"token\":\""
                    + GOOD
                    + "\"}}"));
    BadInputTest.assertError(
        server.call(
            "POST", "/v1/vaults/" + vault + "/credentials/" + cred + "/mcp_oauth_validate", null),
        400,
        "invalid_request_error",
        "static_bearer",
        "only mcp_oauth");
    BadInputTest.assertError(
        server.call(
            "POST", "/v1/vaults/" + vault + "/credentials/vcrd_nope/mcp_oauth_validate", null),
        404,
        "not_found_error",
        "vcrd_nope");
  }

  // ------------------------------------------------------------------ helpers

  static BetaManagedAgentsCredentialValidation validate(String[] ids) {
    return client
        .beta()
        .vaults()
        .credentials()
        .mcpOAuthValidate(
            ids[1], CredentialMcpOAuthValidateParams.builder().vaultId(ids[0]).build());
  }

  /** A new vault with one credential of {@code auth}: {vault id, credential id}. */
  static String[] credential(String auth) throws Exception {
    String vault = BadInputTest.id(server.call("POST", "/v1/vaults", "{\"display_name\":\"v\"}"));
    String cred =
        BadInputTest.id(
            server.call("POST", "/v1/vaults/" + vault + "/credentials", "{\"auth\":" + auth + "}"));
    return new String[] {vault, cred};
  }

  static String tokenUrl() {
    return "http://127.0.0.1:" + tokenEndpoint.getAddress().getPort() + "/oauth/token";
  }

  static String oauth(String url, String access, String tokenUrl) {
    return "{\"type\":\"mcp_oauth\",\"mcp_server_url\":\""
        + url
        + "\",\"access_token\":\""
        + access
        + "\",\"refresh\":{\"refresh_token\":\""
        + REFRESH
        + "\",\"client_id\":\"agentry-client\",\"token_endpoint\":\""
        + tokenUrl
        + "\",\"token_endpoint_auth\":{\"type\":\"client_secret_post\",\"client_secret\":\""
        + SECRET
        + "\"}}}";
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
