package dev.agentry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.model.ModelClients;
import dev.agentry.server.AgentryServer;
import dev.agentry.server.ServerConfig;
import dev.agentry.testkit.FakeAnthropic;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The client commands, in process, against a real server whose model is the fake. */
class ClientCommandsTest {
  static final String KEY = "sk-agentry-cli-test-key-0123456789";
  @TempDir static Path dataDir;
  static FakeAnthropic fake;
  static AgentryServer server;

  record Run(int code, String out, String err) {}

  @BeforeAll
  static void start() throws Exception {
    fake = FakeAnthropic.start();
    server =
        AgentryServer.start(
            ServerConfig.builder(Map.of()).port(0).dataDir(dataDir).apiKey(KEY).build(),
            Clock.systemUTC(),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            ModelClients.fromEnv(
                Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", "k")));
    Files.writeString(dataDir.resolve("admin.key"), KEY + "\n");
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
  }

  static Run cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!args[0].equals("completion")) {
      if (all.stream().noneMatch(a -> a.startsWith("--url"))) {
        all.add("--url=http://127.0.0.1:" + server.port());
      }
      all.add("--data-dir=" + dataDir);
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new Main())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  static Run ok(String... args) {
    Run r = cli(args);
    assertThat(r.code()).as(r.err() + r.out()).isZero();
    return r;
  }

  static String created(Run r) {
    assertThat(r.out()).startsWith("Created ");
    return r.out().strip().substring("Created ".length());
  }

  static String agentFromYaml() throws Exception {
    Path yaml = dataDir.resolve("agent.yaml");
    Files.writeString(
        yaml,
        """
        name: cli-agent
        model: claude-sonnet-4-6
        system: You answer briefly.
        tools:
          - type: agent_toolset_20260401
            configs:
              - name: bash
                permission_policy:
                  type: always_ask
        """);
    return created(ok("agents", "create", yaml.toString()));
  }

  static List<JsonNode> events(String session) throws Exception {
    Run r = ok("tail", session, "--json", "--no-follow");
    List<JsonNode> out = new ArrayList<>();
    for (String line : r.out().lines().toList()) {
      out.add(Json.mapper().readTree(line));
    }
    return out;
  }

  static List<JsonNode> awaitIdle(String session, int count) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      List<JsonNode> log = events(session);
      if (log.stream().filter(e -> type(e).equals("session.status_idle")).count() >= count) {
        return log;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("not idle: " + events(session));
  }

  static String type(JsonNode e) {
    return e.path("type").asText();
  }

  @Test
  void agentFromYaml_run_printsTheAnswer_andTailShowsTheTurn() throws Exception {
    String agent = agentFromYaml();
    Run shown = ok("agents", "get", agent, "--json");
    JsonNode a = Json.mapper().readTree(shown.out());
    assertThat(a.path("name").asText()).isEqualTo("cli-agent");
    assertThat(a.at("/tools/0/configs/0/permission_policy/type").asText()).isEqualTo("always_ask");

    fake.enqueue(FakeAnthropic.text("Hello from the fake model"));
    Run run = ok("run", "--agent", agent, "Say hello");
    assertThat(run.out().strip()).isEqualTo("Hello from the fake model");

    Run list = ok("sessions", "list", "--json");
    JsonNode sessions = Json.mapper().readTree(list.out()).path("data");
    assertThat(sessions.isArray()).isTrue();
    String session = sessions.path(0).path("id").asText();
    assertThat(session).startsWith("sesn_");
    JsonNode envs = Json.mapper().readTree(ok("environments", "list", "--json").out());
    assertThat(envs.path("data").path(0).path("name").asText()).startsWith("run-");
    assertThat(ok("agents", "list").out()).contains(agent, "cli-agent");

    List<JsonNode> log = events(session);
    assertThat(log.stream().map(ClientCommandsTest::type))
        .containsSubsequence(
            "user.message", "session.status_running", "agent.message", "session.status_idle");
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
    assertThat(ok("tail", session, "--no-follow").out())
        .contains("user.message  Say hello", "agent.message  Hello from the fake model");
  }

  @Test
  void send_thenApprove_anAlwaysAskTool() throws Exception {
    String agent = agentFromYaml();
    Path envFile = dataDir.resolve("env.json");
    Files.writeString(envFile, "{\"name\":\"cli-env\"}");
    String env = created(ok("environments", "create", envFile.toString()));
    Path sessionFile = dataDir.resolve("session.yaml");
    Files.writeString(sessionFile, "agent: " + agent + "\nenvironment_id: " + env + "\n");
    String session = created(ok("sessions", "create", sessionFile.toString()));

    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":\"echo approved\"}"),
        FakeAnthropic.text("done after approval"));
    assertThat(ok("send", session, "go").out()).startsWith("Sent sevt_");
    List<JsonNode> log = awaitIdle(session, 1);
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("requires_action");
    String use =
        log.stream()
            .filter(e -> type(e).equals("agent.tool_use"))
            .findFirst()
            .orElseThrow()
            .path("id")
            .asText();

    assertThat(ok("approve", session, use).out()).contains("Approved " + use);
    log = awaitIdle(session, 2);
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
    JsonNode confirmation =
        log.stream()
            .filter(e -> type(e).equals("user.tool_confirmation"))
            .findFirst()
            .orElseThrow();
    assertThat(confirmation.path("result").asText()).isEqualTo("allow");
    assertThat(log.stream().filter(e -> type(e).equals("agent.message")).toList().toString())
        .contains("done after approval");

    Run again = cli("approve", session, use);
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("already answered");
  }

  @Test
  void run_exits3_andPrintsThePendingCall_whenAToolAwaitsConfirmation() throws Exception {
    String agent = agentFromYaml();
    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":\"rm -rf /tmp/nothing\"}"),
        FakeAnthropic.text("fine, not doing it"));
    Run run = cli("run", "--agent", agent, "clean up");
    assertThat(run.code()).as(run.err()).isEqualTo(3);
    assertThat(run.out()).contains("waiting on", "bash", "rm -rf", "agentry approve sesn_");
    String session = run.out().replaceAll("(?s).*Session (sesn_\\w+).*", "$1");
    String use = run.out().replaceAll("(?s).*\\n  (sevt_\\w+)  bash.*", "$1");
    assertThat(ok("deny", session, use, "--message", "not today").out()).contains("Denied");
    List<JsonNode> log = awaitIdle(session, 2);
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
    assertThat(log.toString()).contains("not today");
  }

  @Test
  void errors_printTheApiMessage_andExitNonZero() {
    Run missing = cli("agents", "get", "agent_nope");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("agentry: ").contains("404");
    Run json = cli("agents", "get", "agent_nope", "--json");
    assertThat(json.out()).contains("not_found_error");
    Run unreachable = cli("agents", "list", "--url=http://127.0.0.1:1");
    assertThat(unreachable.code()).isEqualTo(1);
    assertThat(unreachable.err()).contains("cannot reach");
  }

  @Test
  void completion_printsABashScript() {
    Run r = ok("completion");
    assertThat(r.out()).contains("complete -F").contains("agents").contains("approve");
  }
}
