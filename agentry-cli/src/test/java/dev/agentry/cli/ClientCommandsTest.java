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
            ServerConfig.builder(Map.of("AGENTRY_WEBHOOK_ALLOW_PRIVATE", "true"))
                .port(0)
                .dataDir(dataDir)
                .apiKey(KEY)
                .build(),
            Clock.systemUTC(),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            ModelClients.fromEnv(
                Map.of(
                    "ANTHROPIC_BASE_URL",
                    fake.baseUrl(),
                    "ANTHROPIC_API_KEY",
                    "k",
                    "AGENTRY_SCRIPTS_DIR",
                    "../examples")));
    Files.writeString(dataDir.resolve("admin.key"), KEY + "\n");
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
  }

  static Run cli(String... args) {
    return cliAs("agentry", args);
  }

  /** Runs the CLI as the launcher does when it was started as {@code command}. */
  static Run cliAs(String command, String... args) {
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
        Main.commandLine(command)
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

  static List<JsonNode> awaitEndTurn(String session) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      List<JsonNode> log = events(session);
      if (log.stream()
          .anyMatch(
              e ->
                  type(e).equals("session.status_idle")
                      && e.at("/stop_reason/type").asText().equals("end_turn"))) {
        return log;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no end_turn: " + events(session));
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
    assertThat(named("environments", RunCommand.RUN_NAME)).hasSize(1);
    assertThat(ok("agents", "list").out()).contains(agent, "cli-agent");

    List<JsonNode> log = events(session);
    assertThat(log.stream().map(ClientCommandsTest::type))
        .containsSubsequence(
            "user.message", "session.status_running", "agent.message", "session.status_idle");
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
    assertThat(ok("tail", session, "--no-follow").out())
        .contains("user.message  Say hello", "agent.message  Hello from the fake model");
    // The turn is over: --until-idle prints the history and stops rather than wait for another.
    Run untilIdle =
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
            java.time.Duration.ofSeconds(15), () -> ok("tail", session, "--until-idle"));
    assertThat(untilIdle.out()).contains("agent.message  Hello from the fake model");
    assertThat(untilIdle.out().strip()).endsWith("session.status_idle  end_turn");
  }

  @Test
  void environmentsKey_printsANewWorkerKeyOnce_thenListsAndRevokesIt() throws Exception {
    Path envFile = dataDir.resolve("hands.json");
    Files.writeString(envFile, "{\"name\":\"cli-hands\",\"config\":{\"type\":\"self_hosted\"}}");
    String env = created(ok("environments", "create", envFile.toString()));
    Run made = ok("environments", "key", env, "--name", "fleet");
    String key = made.out().lines().findFirst().orElseThrow();
    assertThat(key).startsWith("sk-ant-oat01-");
    Run listed = ok("environments", "key", env, "--list");
    assertThat(listed.out()).contains("fleet").doesNotContain(key);
    String kid = listed.out().lines().skip(1).findFirst().orElseThrow().split("\\s+")[0];
    assertThat(ok("environments", "key", env, "--revoke", kid).out()).contains("Revoked " + kid);
    Run cloud = cli("environments", "key", "env_nosuch");
    assertThat(cloud.code()).isNotZero();
    assertThat(cloud.err()).contains("env_nosuch");
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

  static List<JsonNode> named(String resource, String name) throws Exception {
    JsonNode page = Json.mapper().readTree(ok(resource, "list", "--json").out());
    List<JsonNode> out = new ArrayList<>();
    page.path("data").forEach(r -> out.add(r));
    return out.stream().filter(r -> r.path("name").asText().equals(name)).toList();
  }

  @Test
  void result_answersACustomToolCall_asTextOrAsAnErrorFromAFile() throws Exception {
    Path yaml = dataDir.resolve("custom.yaml");
    Files.writeString(
        yaml,
        """
        name: cli-custom
        model: claude-sonnet-4-6
        tools:
          - type: custom
            name: lookup
            input_schema: {type: object, properties: {q: {type: string}}}
        """);
    String agent = created(ok("agents", "create", yaml.toString()));
    fake.enqueue(
        FakeAnthropic.Reply.of(
            FakeAnthropic.toolUseBlock("lookup", "{\"q\":\"first\"}"),
            FakeAnthropic.toolUseBlock("lookup", "{\"q\":\"second\"}")),
        FakeAnthropic.text("answered both"));
    Run run = cli("run", "--agent", agent, "look things up");
    assertThat(run.code()).as(run.err()).isEqualTo(RunCommand.REQUIRES_ACTION);
    String session = run.out().replaceAll("(?s).*Session (sesn_\\w+).*", "$1");
    List<String> uses =
        events(session).stream()
            .filter(e -> type(e).equals("agent.custom_tool_use"))
            .map(e -> e.path("id").asText())
            .toList();
    assertThat(uses).hasSize(2);
    assertThat(run.out())
        .contains("  " + uses.get(0) + "  lookup {\"q\":\"first\"}  (custom tool)")
        .contains("agentry result " + session + " " + uses.get(1) + " \"RESULT\"")
        .doesNotContain("agentry approve");
    assertThat(ok("tail", session, "--no-follow").out())
        .contains("[custom tool, awaiting result: " + uses.get(0) + "]")
        .contains("agentry result " + session + " " + uses.get(0));

    assertThat(ok("result", session, uses.get(0), "forty-two").out())
        .isEqualTo("Sent result for " + uses.get(0) + System.lineSeparator());
    Path file = dataDir.resolve("failure.txt");
    Files.writeString(file, "lookup service down");
    Run json = ok("result", session, uses.get(1), "--file", file.toString(), "--error", "--json");
    assertThat(Json.mapper().readTree(json.out()).at("/data/0/type").asText())
        .isEqualTo("user.custom_tool_result");

    List<JsonNode> log = awaitEndTurn(session);
    List<JsonNode> results =
        log.stream().filter(e -> type(e).equals("user.custom_tool_result")).toList();
    assertThat(results).hasSize(2);
    assertThat(results.get(0).path("custom_tool_use_id").asText()).isEqualTo(uses.get(0));
    assertThat(results.get(0).at("/content/0/text").asText()).isEqualTo("forty-two");
    assertThat(results.get(0).path("is_error").asBoolean()).isFalse();
    assertThat(results.get(1).at("/content/0/text").asText()).isEqualTo("lookup service down");
    assertThat(results.get(1).path("is_error").asBoolean()).isTrue();
    assertThat(ok("tail", session, "--no-follow").out())
        .contains("user.custom_tool_result  ok: forty-two")
        .contains("user.custom_tool_result  error: lookup service down");

    Run both = cli("result", session, uses.get(0), "x", "--file", file.toString());
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("not both");
  }

  @Test
  void examples_areAcceptedByTheServersCreateEndpoints() throws Exception {
    Path examples = Path.of("..", "examples");
    List<Path> yamls;
    try (var files = Files.list(examples)) {
      yamls = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(yamls.stream().map(f -> f.getFileName().toString()))
        .contains("coding-agent.yaml", "coding-environment.yaml", "custom-tool-agent.yaml");
    for (Path f : yamls) {
      String resource =
          f.getFileName().toString().endsWith("-environment.yaml") ? "environments" : "agents";
      String id = created(ok(resource, "create", f.toString()));
      assertThat(id).as(f.toString()).startsWith(resource.equals("agents") ? "agent_" : "env_");
    }
    JsonNode agent = named("agents", "coding-agent").getFirst();
    assertThat(agent.at("/model/id").asText()).isEqualTo("claude-sonnet-4-5");
    assertThat(agent.at("/system").asText()).contains("Verify");
    assertThat(agent.at("/tools/0/default_config/permission_policy/type").asText())
        .isEqualTo("auto");
    JsonNode env = named("environments", "coding").getFirst();
    assertThat(env.at("/config/networking/type").asText()).isEqualTo("limited");
    assertThat(env.at("/config/networking/allow_package_managers").asBoolean()).isTrue();
    try (var files = Files.list(examples)) {
      for (Path script : files.filter(f -> f.toString().endsWith(".json")).toList()) {
        assertThat(Json.mapper().readTree(script.toFile()).path("turns").size())
            .as(script.toString())
            .isPositive();
      }
    }
  }

  @Test
  void runWithAScriptedModel_runsTheExampleTurnInTheSandbox_andReusesItsAgentAndEnvironment()
      throws Exception {
    String model = "scripted:../examples/scripted-turn.json";
    Run run = ok("run", "-v", "--model", model, "Show me the sandbox.");
    assertThat(run.out().strip())
        .isEqualTo("I created hello.txt in the workspace; the sandbox runs Linux.");
    assertThat(run.err())
        .contains("agent.tool_use  bash", "agent.tool_result  ok: ", "hello.txt", "Linux")
        .contains("session.status_idle  end_turn");
    ok("run", "--model", model, "Again.");

    List<JsonNode> agents = named("agents", RunCommand.RUN_NAME);
    assertThat(agents).hasSize(1);
    assertThat(agents.getFirst().at("/model/id").asText())
        .isEqualTo(
            "scripted:" + Path.of("../examples/scripted-turn.json").toAbsolutePath().normalize());
    assertThat(named("environments", RunCommand.RUN_NAME)).hasSize(1);

    Run neither = cli("run", "hello");
    assertThat(neither.code()).isEqualTo(2);
    assertThat(neither.err()).contains("--agent", "--model");
  }

  @Test
  void run_exits4_andSaysTheTurnFailed_whenTheModelCannotBeUsed() throws Exception {
    Path yaml = dataDir.resolve("unreadable-model.yaml");
    Files.writeString(
        yaml, "name: unreadable-model\nmodel: scripted:../examples/no-such-script.json\n");
    String agent = created(ok("agents", "create", yaml.toString()));
    Run run = cli("run", "--agent", agent, "Hello?");
    assertThat(run.code()).as(run.err() + run.out()).isEqualTo(RunCommand.STOPPED);
    assertThat(run.err())
        .contains("cannot be replayed: the file does not exist")
        .contains("stopped: retries_exhausted");
    assertThat(run.out()).isEmpty();
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
    assertThat(r.out())
        .contains("complete -F")
        .contains("agents")
        .contains("approve")
        .contains("result");
  }

  @Test
  void run_printsTheSessionId_onStderr_andOnlyTheAnswerOnStdout() throws Exception {
    String agent = agentFromYaml();
    fake.enqueue(FakeAnthropic.text("Just the answer"));
    Run run = ok("run", "--agent", agent, "answer me");
    assertThat(run.out()).isEqualTo("Just the answer" + System.lineSeparator());
    String newest =
        Json.mapper().readTree(ok("sessions", "list", "--json").out()).at("/data/0/id").asText();
    assertThat(run.err())
        .contains("Session " + newest + " (follow it with: agentry tail " + newest);
  }

  @Test
  void suggestedCommands_useTheNameTheLauncherWasStartedBy() throws Exception {
    String agent = agentFromYaml();
    fake.enqueue(FakeAnthropic.toolUse("bash", "{\"command\":\"echo hi\"}"));
    Run run = cliAs("./agentry", "run", "--agent", agent, "ask first");
    assertThat(run.code()).as(run.err()).isEqualTo(RunCommand.REQUIRES_ACTION);
    String session = run.out().replaceAll("(?s).*Session (sesn_\\w+).*", "$1");
    assertThat(run.err()).contains("follow it with: ./agentry tail " + session);
    assertThat(run.out())
        .contains("./agentry approve " + session, "|  ./agentry deny " + session)
        .contains("Follow the session with: ./agentry tail " + session)
        .doesNotContainPattern("(^|[^/])agentry (approve|deny|tail)");
    assertThat(cliAs("./agentry", "tail", session, "--no-follow").out())
        .contains("./agentry approve " + session);
    Run down = cliAs("../agentry", "agents", "list", "--url=http://127.0.0.1:1");
    assertThat(down.err()).contains("is `../agentry serve` running?");
    assertThat(cliAs("./agentry", "agents", "list", "--help").out())
        .startsWith("Usage: ./agentry agents list");
  }

  @Test
  void everySubcommand_answersHelp() {
    List<String> paths = new ArrayList<>();
    collect(Main.commandLine("agentry"), "", paths);
    assertThat(paths).contains("run", "agents list", "keys create", "tail", "completion");
    for (String path : paths) {
      List<String> args = new ArrayList<>(List.of(path.split(" ")));
      args.add("--help");
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code =
          Main.commandLine("agentry")
              .setOut(new PrintWriter(out, true))
              .setErr(new PrintWriter(err, true))
              .execute(args.toArray(String[]::new));
      assertThat(code).as(path + ": " + err).isZero();
      assertThat(out.toString()).as(path).startsWith("Usage: agentry " + path);
      assertThat(err.toString()).as(path).isEmpty();
    }
  }

  static void collect(CommandLine line, String prefix, List<String> paths) {
    for (var e : line.getSubcommands().entrySet()) {
      if (e.getKey().equals("help")) {
        continue;
      }
      String path = (prefix + " " + e.getKey()).strip();
      paths.add(path);
      collect(e.getValue(), path, paths);
    }
  }

  /** What a person reads when they get something wrong: the problem, never a Java class name. */
  static void assertPlain(Run r, int code, String... says) {
    assertThat(r.code()).as(r.err()).isEqualTo(code);
    assertThat(r.err())
        .startsWith("agentry: ")
        .contains(says)
        .doesNotContain("Exception", "java.", "com.fasterxml", "\tat ", "snakeyaml");
    assertThat(r.err().lines().count()).as(r.err()).isOne();
  }

  @Test
  void badInput_isReportedInWords_withTheLineAndColumn() throws Exception {
    assertPlain(
        cli("agents", "create", dataDir.resolve("missing.yaml").toString()),
        2,
        "cannot read ",
        "missing.yaml: no such file or directory");
    assertPlain(cli("agents", "create", dataDir.toString()), 2, "is a directory");
    Path yaml = dataDir.resolve("broken.yaml");
    Files.writeString(yaml, "name: ok\nmodel: [claude\nsystem: x\n");
    assertPlain(
        cli("agents", "create", yaml.toString()),
        2,
        "broken.yaml, line 3, column 7: not valid YAML: ",
        "expected ',' or ']'");
    Path json = dataDir.resolve("broken.json");
    Files.writeString(json, "{\"name\": \"x\",\n  \"model\": }");
    assertPlain(
        cli("agents", "create", json.toString()),
        2,
        "broken.json, line 2, column 12: not valid JSON: Unexpected character ('}'");
    Path list = dataDir.resolve("list.yaml");
    Files.writeString(list, "- a\n- b\n");
    assertPlain(cli("agents", "create", list.toString()), 2, "must hold one object");
    assertPlain(
        cli("result", "sesn_x", "sevt_y", "--file", dataDir.resolve("nope.txt").toString()),
        2,
        "nope.txt: no such file or directory");

    assertPlain(
        cli("agents", "list", "--url=127.0.0.1:" + server.port()),
        2,
        "--url 127.0.0.1:" + server.port() + " has no scheme: write it as http://127.0.0.1:");
    assertPlain(cli("agents", "list", "--url=localhost:8080"), 2, "has no scheme");
    assertPlain(cli("agents", "list", "--url=ftp://localhost"), 2, "must be http or https");
    assertPlain(cli("agents", "list", "--url=http://bad host"), 2, "is not a URL");
    assertPlain(cli("agents", "list", "--url=http://127.0.0.1:1"), 1, "cannot reach the server");
    assertPlain(cli("agents", "get", "agent_nope"), 1, "not found", "(HTTP 404)");
  }

  @Test
  void tail_labelsAMemberThreadsLinesWithItsAgentName() throws Exception {
    Path memberFile = dataDir.resolve("member.json");
    Files.writeString(
        memberFile,
        "{\"name\":\"tail-researcher\",\"model\":\"claude-sonnet-4-6\",\"system\":\"sys-researcher\","
            + "\"tools\":[{\"type\":\"agent_toolset_20260401\"}]}");
    String member = created(ok("agents", "create", memberFile.toString()));
    Path leadFile = dataDir.resolve("lead.json");
    Files.writeString(
        leadFile,
        "{\"name\":\"tail-lead\",\"model\":\"claude-sonnet-4-6\",\"system\":\"sys-lead\","
            + "\"multiagent\":{\"type\":\"coordinator\",\"agents\":[\""
            + member
            + "\"]}}");
    String lead = created(ok("agents", "create", leadFile.toString()));
    // A script per agent: the lead's second request and the member's first are in flight together.
    fake.enqueueFor(
        "sys-lead",
        FakeAnthropic.toolUse(
            "send_to_agent", "{\"agent_name\":\"tail-researcher\",\"message\":\"count them\"}"),
        FakeAnthropic.text("Asked."),
        FakeAnthropic.text("The member says three."));
    fake.enqueueFor(
        "sys-researcher",
        FakeAnthropic.toolUse("bash", "{\"command\":\"echo from-the-member\"}"),
        FakeAnthropic.text("Three."));
    ok("run", "--agent", lead, "How many?");
    String session =
        Json.mapper()
            .readTree(ok("sessions", "list", "--json").out())
            .path("data")
            .path(0)
            .path("id")
            .asText();

    String untilIdle =
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                java.time.Duration.ofSeconds(20), () -> ok("tail", session, "--until-idle"))
            .out();
    String history = ok("tail", session, "--no-follow").out();

    for (String tail : List.of(untilIdle, history)) {
      assertThat(tail)
          .contains("session.thread_created  tail-researcher")
          .contains("agent.thread_message_sent  to tail-researcher: count them")
          .contains("[tail-researcher] agent.thread_message_received  from coordinator: count them")
          .contains("[tail-researcher] agent.tool_use  bash {\"command\":\"echo from-the-member\"}")
          .contains("[tail-researcher] agent.message  Three.")
          .contains("agent.thread_message_received  from tail-researcher: Three.")
          .contains("agent.message  The member says three.");
      // Each event once, though some (a thread's lifecycle) are on both streams.
      assertThat(tail.lines().filter(l -> l.contains("agent.tool_use  bash"))).hasSize(1);
      assertThat(tail.lines().filter(l -> l.contains("session.thread_created"))).hasSize(1);
    }
    assertThat(history.lines().toList())
        .containsSubsequence(
            history
                .lines()
                .filter(l -> l.contains("agent.thread_message_sent  to"))
                .findFirst()
                .orElseThrow(),
            history
                .lines()
                .filter(l -> l.contains("echo from-the-member"))
                .findFirst()
                .orElseThrow(),
            history
                .lines()
                .filter(l -> l.contains("The member says three."))
                .findFirst()
                .orElseThrow());
  }

  @Test
  void tail_followsAMemberThreadLive_andPrintsItsCrossPostedAskOnce() throws Exception {
    Path memberFile = dataDir.resolve("asking-member.json");
    Files.writeString(
        memberFile,
        "{\"name\":\"tail-asker\",\"model\":\"claude-sonnet-4-6\",\"system\":\"sys-asker\","
            + "\"tools\":[{\"type\":"
            + "\"agent_toolset_20260401\",\"default_config\":{\"permission_policy\":"
            + "{\"type\":\"always_ask\"}}}]}");
    String member = created(ok("agents", "create", memberFile.toString()));
    Path leadFile = dataDir.resolve("asking-lead.json");
    Files.writeString(
        leadFile,
        "{\"name\":\"tail-asking-lead\",\"model\":\"claude-sonnet-4-6\",\"system\":\"sys-asking-lead\","
            + "\"multiagent\":{\"type\":\"coordinator\",\"agents\":[\""
            + member
            + "\"]}}");
    String lead = created(ok("agents", "create", leadFile.toString()));
    Path envFile = dataDir.resolve("tail-env.json");
    Files.writeString(envFile, "{\"name\":\"tail-env\"}");
    String env = created(ok("environments", "create", envFile.toString()));
    Path sessionFile = dataDir.resolve("tail-session.yaml");
    Files.writeString(sessionFile, "agent: " + lead + "\nenvironment_id: " + env + "\n");
    String session = created(ok("sessions", "create", sessionFile.toString()));

    // The tail runs before anything happens: it must pick the member's thread up live.
    var tail =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> cli("tail", session, "--until-idle"));
    Thread.sleep(300); // no assertion rides on this: the history fills in whatever it misses
    fake.enqueueFor(
        "sys-asking-lead",
        FakeAnthropic.toolUse(
            "send_to_agent", "{\"agent_name\":\"tail-asker\",\"message\":\"look\"}"),
        FakeAnthropic.text("Asked."));
    fake.enqueueFor(
        "sys-asker", FakeAnthropic.toolUse("bash", "{\"command\":\"echo needs-a-yes\"}"));
    ok("send", session, "go");
    String ask = null;
    for (long end = System.nanoTime() + 20_000_000_000L; ask == null && System.nanoTime() < end; ) {
      ask =
          events(session).stream()
              .filter(e -> type(e).equals("agent.tool_use") && e.has("session_thread_id"))
              .map(e -> e.path("id").asText())
              .findFirst()
              .orElse(null);
      Thread.sleep(50);
    }
    assertThat(ask).as("the member's asking call").isNotNull();
    fake.enqueueFor("sys-asker", FakeAnthropic.text("Looked."));
    fake.enqueueFor("sys-asking-lead", FakeAnthropic.text("Done."));
    ok("approve", session, ask);
    Run run = tail.get(20, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("[tail-asker] agent.thread_message_received  from coordinator: look")
        .contains("agent.message  Asked.")
        .contains("[tail-asker] agent.message  Looked.")
        .contains("agent.message  Done.");
    // The asking call is on the session's stream and on the member's: printed once, labelled.
    assertThat(run.out().lines().filter(l -> l.contains("echo needs-a-yes")))
        .singleElement()
        .asString()
        .contains("[tail-asker] agent.tool_use  bash");
  }

  @Test
  void memory_createsAStore_writesReadsListsAndDeletesMemories_andShowsVersions() throws Exception {
    Run created = cli("memory", "create", "CLI Notes", "--description", "for the cli", "--json");
    assertThat(created.code()).as(created.err()).isZero();
    String store = Json.mapper().readTree(created.out()).get("id").asText();
    assertThat(cli("memory", "stores").out()).contains(store).contains("CLI Notes");
    Path file = dataDir.resolve("note.md");
    Files.writeString(file, "first");
    assertThat(cli("memory", "put", store, "/notes/a.md", file.toString()).out()).contains("Wrote");
    Files.writeString(file, "second");
    assertThat(cli("memory", "put", store, "/notes/a.md", file.toString()).code()).isZero();
    assertThat(cli("memory", "cat", store, "/notes/a.md").out()).isEqualTo("second\n");
    assertThat(cli("memory", "ls", store).out()).contains("/notes/a.md").contains("6 bytes");
    Run versions = cli("memory", "versions", store);
    assertThat(versions.out()).contains("modified").contains("created").contains("api_actor:");
    String first =
        Json.mapper()
            .readTree(cli("memory", "versions", store, "--json").out())
            .at("/data/1/id")
            .asText();
    assertThat(cli("memory", "redact", store, first).code()).isZero();
    assertThat(cli("memory", "versions", store).out()).contains("(redacted)");
    assertThat(cli("memory", "rm", store, "/notes/a.md").code()).isZero();
    Run missing = cli("memory", "cat", store, "/notes/a.md");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("no memory at /notes/a.md");
    assertThat(cli("memory", "versions", store).out()).contains("deleted");
  }

  @Test
  void webhooks_createPrintsTheSecretOnce_testDeliversSigned_lsShows_rmDeletes() throws Exception {
    try (var receiver = dev.agentry.testkit.WebhookReceiver.start()) {
      Run created =
          cli("webhooks", "create", receiver.url(), "-t", "agent.created", "-t", "vault.created");
      assertThat(created.code()).as(created.err()).isZero();
      String secret = created.out().replaceAll("(?s).*(whsec_\\S+).*", "$1").trim();
      String id = created.out().replaceAll("(?s)Created (\\S+).*", "$1").trim();
      assertThat(secret).startsWith("whsec_");
      receiver.secret(secret);
      assertThat(cli("webhooks", "ls").out())
          .contains(id, "enabled", "agent.created,vault.created")
          .doesNotContain("whsec_");
      Run test = cli("webhooks", "test", id);
      assertThat(test.code()).as(test.out() + test.err()).isZero();
      assertThat(test.out()).contains("Delivered", "HTTP 200");
      assertThat(receiver.received())
          .singleElement()
          .satisfies(r -> assertThat(r.verified()).isTrue());
      receiver.answer(() -> 500);
      assertThat(cli("webhooks", "test", id).code()).isEqualTo(1);
      assertThat(cli("webhooks", "rm", id).out()).contains("Deleted " + id);
      assertThat(cli("webhooks", "ls").out()).doesNotContain(id);
      Run bad = cli("webhooks", "create", "ftp://example.com/", "-t", "agent.created");
      assertThat(bad.code()).isNotZero();
      assertThat(bad.err()).contains("http");
    }
  }
}
