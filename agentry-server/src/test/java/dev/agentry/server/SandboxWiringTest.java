package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.Json;
import dev.agentry.core.ToolOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's sandboxes: workspaces under the data dir, reported in /readyz, removed on delete,
 * run as the host uid {@code AGENTRY_SANDBOX_UID} names.
 */
class SandboxWiringTest {
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
  void toolCall_writesIntoTheSessionWorkspace_andDeleteRemovesIt() throws Exception {
    String agent =
        BadInputTest.id(
            server.call("POST", "/v1/agents", "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\"}"));
    String env = BadInputTest.id(server.call("POST", "/v1/environments", "{\"name\":\"e\"}"));
    String session =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/sessions",
                "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
    Path workspace = dataDir.resolve("workspaces").resolve(session);
    assertThat(workspace).doesNotExist();

    var input =
        Json.mapper().createObjectNode().put("file_path", "notes/a.txt").put("content", "hi");
    ToolOutcome wrote = server.server.tools().execute(session, "write", input);
    assertThat(wrote.isError()).as(wrote.text()).isFalse();
    assertThat(Files.readString(workspace.resolve("notes/a.txt"))).isEqualTo("hi");
    ToolOutcome ran =
        server
            .server
            .tools()
            .execute(
                session,
                "bash",
                Json.mapper().createObjectNode().put("command", "cat notes/a.txt"));
    assertThat(ran.text()).contains("hi");

    var ready = Json.mapper().readTree(server.call("GET", "/readyz", null).body());
    assertThat(ready.path("sandbox").path("status").asText()).isEqualTo("ok");
    assertThat(ready.path("sandbox").path("alive").asInt()).isEqualTo(1);

    assertThat(server.call("DELETE", "/v1/sessions/" + session, null).statusCode()).isEqualTo(200);
    assertThat(workspace).doesNotExist();
  }

  /**
   * The server runs as root here, so sandboxes drop to a dedicated uid: the one the variable names,
   * which owns the workspace and every file the agent writes.
   */
  @Test
  void sandboxUid_isTheHostUidTheSandboxRunsAs(@TempDir Path otherDataDir) throws Exception {
    assertThat(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))
        .as("this check needs a root server: only root drops to another uid")
        .isEqualTo(0);
    int uid = 10077;
    try (TestServer custom =
        new TestServer(
            otherDataDir,
            null,
            Map.of("AGENTRY_SANDBOX_UID", Integer.toString(uid), "AGENTRY_MODEL_CHECK", "form"))) {
      String session = newSession(custom);
      ToolOutcome ran =
          custom
              .server
              .tools()
              .execute(
                  session,
                  "bash",
                  Json.mapper().createObjectNode().put("command", "echo hi > mine.txt && id -u"));
      assertThat(ran.isError()).as(ran.text()).isFalse();
      Path workspace = otherDataDir.resolve("workspaces").resolve(session);
      assertThat(Files.getAttribute(workspace.resolve("mine.txt"), "unix:uid")).isEqualTo(uid);
      assertThat(Files.getAttribute(workspace, "unix:uid")).isEqualTo(uid);
    }
  }

  @Test
  void sandboxSettings_outOfBounds_stopStartUp_namingTheKey() {
    for (String bad : List.of("0", "-5", "nobody")) {
      assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("AGENTRY_SANDBOX_UID", bad)))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("AGENTRY_SANDBOX_UID");
    }
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("AGENTRY_SANDBOX", "docker")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AGENTRY_SANDBOX");
    assertThat(ServerConfig.fromEnv(Map.of("AGENTRY_SANDBOX_UID", "20000")).sandboxUid())
        .isEqualTo(20000);
    assertThat(ServerConfig.fromEnv(Map.of()).sandboxUid())
        .isEqualTo(dev.agentry.sandbox.Sandboxes.DEFAULT_UID);
  }

  static String newSession(TestServer server) throws Exception {
    String agent =
        BadInputTest.id(
            server.call("POST", "/v1/agents", "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\"}"));
    String env = BadInputTest.id(server.call("POST", "/v1/environments", "{\"name\":\"e\"}"));
    return BadInputTest.id(
        server.call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
  }
}
