package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Credential secrets are write-only: never in a response, never in plain text on disk. */
class VaultSecretsTest {
  static final String TOKEN = "ghp_SuperSecretToken1234567890";
  static final String REFRESH = "rt_AnotherSecretRefresh987654";
  @TempDir static Path dataDir;
  static TestServer server;

  @BeforeAll
  static void start() {
    server = new TestServer(dataDir, null);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void secrets_areNeverReturned_norStoredInPlainText() throws Exception {
    String vault =
        BadInputTest.id(server.call("POST", "/v1/vaults", "{\"display_name\":\"prod\"}"));
    var created =
        server.call(
            "POST",
            "/v1/vaults/" + vault + "/credentials",
            "{\"display_name\":\"gh\",\"auth\":{\"type\":\"static_bearer\",\"mcp_server_url\":\"https://mcp.example.com/mcp\",\"token\":\""
                + TOKEN
                + "\"}}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    String credential = Json.mapper().readTree(created.body()).get("id").asText();
    var oauth =
        server.call(
            "POST",
            "/v1/vaults/" + vault + "/credentials",
            "{\"auth\":{\"type\":\"mcp_oauth\",\"mcp_server_url\":\"https://n.example.com/mcp\",\"access_token\":\"at_"
                + TOKEN
                + "\",\"refresh\":{\"refresh_token\":\""
                + REFRESH
                + "\",\"client_id\":\"c1\",\"token_endpoint\":\"https://n.example.com/token\",\"token_endpoint_auth\":{\"type\":\"client_secret_post\",\"client_secret\":\"cs_"
                + REFRESH
                + "\"}}}}");
    assertThat(oauth.statusCode()).as(oauth.body()).isEqualTo(200);

    String[] reads = {
      created.body(),
      oauth.body(),
      server.call("GET", "/v1/vaults/" + vault + "/credentials/" + credential, null).body(),
      server.call("GET", "/v1/vaults/" + vault + "/credentials", null).body(),
      server
          .call(
              "POST",
              "/v1/vaults/" + vault + "/credentials/" + credential,
              "{\"auth\":{\"type\":\"static_bearer\",\"token\":\"" + TOKEN + "2\"}}")
          .body()
    };
    for (String body : reads) {
      assertThat(body).doesNotContain(TOKEN).doesNotContain(REFRESH).contains("mcp_server_url");
    }
    assertThat(oauth.body()).contains("client_secret_post").contains("\"client_id\":\"c1\"");

    server.server.close();
    try (Stream<Path> files = Files.walk(dataDir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String raw =
            new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(raw).as(f.toString()).doesNotContain(TOKEN).doesNotContain(REFRESH);
      }
    }
    assertThat(Files.getPosixFilePermissions(dataDir.resolve("master.key")))
        .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    server = new TestServer(dataDir, null);
  }

  @Test
  void credentialTypeChange_isRefused() throws Exception {
    String vault = BadInputTest.id(server.call("POST", "/v1/vaults", "{\"display_name\":\"t\"}"));
    String credential =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/vaults/" + vault + "/credentials",
                "{\"auth\":{\"type\":\"static_bearer\",\"mcp_server_url\":\"https://a.example.com\",\"token\":\"t0k3n\"}}"));
    var response =
        server.call(
            "POST",
            "/v1/vaults/" + vault + "/credentials/" + credential,
            "{\"auth\":{\"type\":\"mcp_oauth\",\"access_token\":\"x\"}}");
    BadInputTest.assertError(response, 400, "invalid_request_error", "auth.type");
  }
}
