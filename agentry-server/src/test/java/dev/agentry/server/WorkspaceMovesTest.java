package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.PostgresTestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session's workspace moves with it: two servers on one PostgreSQL and one blob store, each with
 * its own data directory (its own disk), real bubblewrap sandboxes and a scripted model. A turn on
 * the first writes files; the session resumed on the second (the first gone) finds them.
 */
class WorkspaceMovesTest {
  @TempDir Path root;
  private PostgresTestDatabase database;
  private final List<TestServer> servers = new ArrayList<>();
  private Map<String, String> env;

  @BeforeEach
  void setUp() throws IOException {
    database = new PostgresTestDatabase();
    database.create();
    Path scripts = Files.createDirectories(root.resolve("scripts"));
    // Turn one writes files (one executable, one in a folder, an empty folder); turn two reads
    // them back: its third and fourth model requests get the script's third and fourth turns.
    Files.writeString(
        scripts.resolve("moves.json"),
        """
        {"turns":[
          {"content":[{"type":"tool_use","name":"bash","input":{"command":
            "echo hello-from-a > note.txt && mkdir -p src/empty && printf 'echo run' > src/run.sh && chmod 750 src/run.sh"}}]},
          {"content":[{"type":"text","text":"written"}]},
          {"content":[{"type":"tool_use","name":"bash","input":{"command":
            "cat note.txt; stat -c '%a %n' src/run.sh; ls -d src/empty"}}]},
          {"content":[{"type":"text","text":"read"}]}
        ]}
        """);
    env =
        Map.of(
            "AGENTRY_MODEL_CHECK",
            "form",
            "AGENTRY_SCRIPTS_DIR",
            scripts.toString(),
            "AGENTRY_BLOB_URL",
            "file://" + root.resolve("shared-blobs"));
  }

  @AfterEach
  void tearDown() {
    servers.forEach(TestServer::close);
    database.close();
  }

  private TestServer server(String name) {
    TestServer s = new TestServer(root.resolve(name), database.create(), env);
    servers.add(s);
    return s;
  }

  @Test
  void aSessionResumedOnAnotherServerFindsItsWorkspace() throws Exception {
    TestServer a = server("node-a");
    String agent =
        id(
            a.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"mover\",\"model\":\"scripted:"
                    + root.resolve("scripts/moves.json")
                    + "\",\"tools\":[{\"type\":\"agent_toolset_20260401\"}]}"));
    String environment = id(a.call("POST", "/v1/environments", "{\"name\":\"moves\"}"));
    String session =
        id(
            a.call(
                "POST",
                "/v1/sessions",
                "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + environment + "\"}"));
    say(a, session);
    awaitIdleWith(a, session, 2);
    assertThat(lastToolResult(a, session)).contains("\"is_error\":false");
    a.close();
    servers.remove(a);

    TestServer b = server("node-b");
    assertThat(root.resolve("node-b/workspaces").resolve(session)).doesNotExist();
    say(b, session);
    awaitIdleWith(b, session, 4);

    String read = lastToolResult(b, session);
    assertThat(read).contains("hello-from-a").contains("750 src/run.sh").contains("src/empty");
    assertThat(root.resolve("node-b/workspaces").resolve(session).resolve("note.txt"))
        .hasContent("hello-from-a");
  }

  private static String id(java.net.http.HttpResponse<String> r) throws IOException {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body()).get("id").asText();
  }

  private static void say(TestServer s, String session) {
    var r =
        s.call(
            "POST",
            "/v1/sessions/" + session + "/events",
            "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\"go\"}]}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private static List<JsonNode> events(TestServer s, String session) throws IOException {
    JsonNode body =
        Json.mapper()
            .readTree(s.call("GET", "/v1/sessions/" + session + "/events?limit=1000", null).body());
    List<JsonNode> out = new ArrayList<>();
    body.get("data").forEach(out::add);
    return out;
  }

  /** Waits until the session is idle after {@code messages} agent messages. */
  private static void awaitIdleWith(TestServer s, String session, int modelTurns) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              List<JsonNode> log = events(s, session);
              long messages =
                  log.stream().filter(e -> e.get("type").asText().equals("agent.message")).count();
              return messages == modelTurns / 2
                  && log.getLast().get("type").asText().equals("session.status_idle");
            });
  }

  private static String lastToolResult(TestServer s, String session) throws IOException {
    return events(s, session).stream()
        .filter(e -> e.get("type").asText().equals("agent.tool_result"))
        .reduce((x, y) -> y)
        .orElseThrow()
        .toString();
  }
}
