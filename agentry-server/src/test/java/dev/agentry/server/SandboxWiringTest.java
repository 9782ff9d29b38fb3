package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.Json;
import dev.agentry.core.ToolOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's sandboxes: workspaces under the data dir, reported in /readyz, removed on delete.
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
}
