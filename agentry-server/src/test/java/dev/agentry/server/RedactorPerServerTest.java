package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each server has its own redactor (no process-wide one): a vault secret stored in one server is
 * redacted there and unknown to a second server in the same JVM.
 */
class RedactorPerServerTest {
  static final String SECRET = "ghp_OnlyServerA/0123456789abcdef";

  @TempDir Path dataRoot;

  @Test
  void twoServersInOneJvm_doNotShareRegisteredSecrets() throws Exception {
    try (TestServer a = new TestServer(dataRoot.resolve("a"), null);
        TestServer b = new TestServer(dataRoot.resolve("b"), null)) {
      String vault = BadInputTest.id(a.call("POST", "/v1/vaults", "{\"display_name\":\"only-a\"}"));
      var credential =
          a.call(
              "POST",
              "/v1/vaults/" + vault + "/credentials",
              "{\"auth\":{\"type\":\"static_bearer\",\"mcp_server_url\":"
                  + "\"https://mcp.example.com/mcp\",\"token\":\""
                  + SECRET
                  + "\"}}");
      assertThat(credential.statusCode()).as(credential.body()).isEqualTo(200);

      // Positive control: the server that stored the secret redacts it, in its log and errors.
      assertThat(firstMessage(a)).contains("start with [redacted]").doesNotContain(SECRET);
      assertThat(a.call("GET", "/v1/vaults/" + SECRET, null).body())
          .contains("[redacted]")
          .doesNotContain(SECRET);

      // The other server never learnt it: the text goes through as the user wrote it.
      assertThat(firstMessage(b)).contains("start with " + SECRET);
      assertThat(b.call("GET", "/v1/vaults/" + SECRET, null).body()).contains(SECRET);
    }
  }

  /** The events of a new session whose first message quotes {@link #SECRET}. */
  private static String firstMessage(TestServer server) throws Exception {
    String env =
        BadInputTest.id(server.call("POST", "/v1/environments", "{\"name\":\"per-server\"}"));
    String agent =
        BadInputTest.id(
            server.call(
                "POST", "/v1/agents", "{\"name\":\"per-server\",\"model\":\"claude-sonnet-4-6\"}"));
    String session =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/sessions",
                "{\"agent\":\""
                    + agent
                    + "\",\"environment_id\":\""
                    + env
                    + "\",\"initial_events\":[{\"type\":\"user.message\",\"content\":"
                    + "[{\"type\":\"text\",\"text\":\"start with "
                    + SECRET
                    + "\"}]}]}"));
    return server.call("GET", "/v1/sessions/" + session + "/events?limit=100", null).body();
  }
}
