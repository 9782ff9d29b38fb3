package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.core.ToolOutcome;
import dev.agentry.testkit.GitTestServer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repository resource end to end with the server's real cloner (JGit) and egress proxy, against a
 * git server on loopback that requires a token (its host allowed by AGENTRY_GIT_ALLOWED_HOSTS):
 * cloned at the asked branch before create returns, pushed to from the sandbox with the token the
 * proxy adds, then with a rotated one; the checkout and the sandbox never hold a token.
 */
class SessionRepositoryGitTest {
  static final String TOKEN = "glpat-GitE2eToken0123456789";
  static final String ROTATED = "glpat-GitE2eRotated987654321";
  @TempDir static Path dataDir;
  @TempDir static Path gitRoot;
  static GitTestServer git;
  static TestServer server;

  @BeforeAll
  static void start() {
    git = GitTestServer.start(gitRoot);
    git.createRepository("app", false).grant(TOKEN, "app", true);
    server =
        new TestServer(
            dataDir,
            null,
            Map.of(
                "AGENTRY_MODEL_CHECK",
                "form",
                "AGENTRY_GIT_ALLOWED_HOSTS",
                "127.0.0.1:" + git.port()));
  }

  @AfterAll
  static void stop() {
    server.close();
    git.close();
  }

  static String bash(String session, String command) {
    ToolOutcome out =
        server
            .server
            .tools()
            .execute(session, "bash", Json.mapper().createObjectNode().put("command", command));
    assertThat(out.isError()).as(out.text()).isFalse();
    return out.text();
  }

  @Test
  void cloneAtBranch_pushThroughTheProxy_rotateTheToken() throws Exception {
    String agent =
        BadInputTest.id(
            server.call("POST", "/v1/agents", "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\"}"));
    String env = BadInputTest.id(server.call("POST", "/v1/environments", "{\"name\":\"e\"}"));
    var created =
        server.call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\""
                + agent
                + "\",\"environment_id\":\""
                + env
                + "\",\"resources\":[{\"type\":\"github_repository\",\"url\":\""
                + git.url("app")
                + "\",\"authorization_token\":\""
                + TOKEN
                + "\",\"checkout\":{\"type\":\"branch\",\"name\":\"feature\"}}]}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    JsonNode session = Json.mapper().readTree(created.body());
    String id = session.get("id").asText();
    String rid = session.get("resources").get(0).get("id").asText();
    String events = server.call("GET", "/v1/sessions/" + id + "/events", null).body();
    assertThat(events).doesNotContain("session.error");

    String look =
        bash(
            id,
            "cat /workspace/app/feature.txt; git -C /workspace/app rev-parse --abbrev-ref HEAD;"
                + " cat /workspace/app/.git/config; env");
    assertThat(look).contains("feature work").contains("feature\n");
    assertThat(look).doesNotContain(TOKEN);

    String push =
        bash(
            id,
            "cd /workspace/app && git -c user.email=a@example.com -c user.name=agent commit -q"
                + " --allow-empty -m 'from the sandbox' && git push -q origin feature 2>&1;"
                + " echo push-rc=$?");
    assertThat(push).contains("push-rc=0").doesNotContain(TOKEN);
    assertThat(git.requests().getLast().push()).isTrue();
    assertThat(git.requests().getLast().token()).isEqualTo(TOKEN);

    git.grant(ROTATED, "app", true);
    git.revoke(TOKEN);
    var rotated =
        server.call(
            "POST",
            "/v1/sessions/" + id + "/resources/" + rid,
            "{\"authorization_token\":\"" + ROTATED + "\"}");
    assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
    assertThat(rotated.body()).doesNotContain(ROTATED);
    String again =
        bash(
            id,
            "cd /workspace/app && git -c user.email=a@example.com -c user.name=agent commit -q"
                + " --allow-empty -m 'after rotation' && git push -q origin feature 2>&1;"
                + " echo push-rc=$?");
    assertThat(again).contains("push-rc=0");
    assertThat(git.requests().getLast().token()).isEqualTo(ROTATED);
    assertThat(git.show("app", "feature", "feature.txt")).isEqualTo("feature work\n");
  }
}
