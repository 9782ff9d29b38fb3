package dev.agentry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.model.ModelClients;
import dev.agentry.server.AgentryServer;
import dev.agentry.server.ServerConfig;
import dev.agentry.testkit.FakeAnthropic;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code agentry worker} as a process against a real server whose model is the fake: a {@code
 * self_hosted} session's built-in calls run in the worker's bubblewrap sandbox, never in the
 * server; a worker killed with SIGKILL mid-call leaves its item to its lease, and the next worker
 * finishes the turn without running the lost side-effecting call again.
 */
class WorkerEndToEndTest {
  private static final String KEY = "sk-agentry-worker-e2e-key-0123456789";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dataDir;
  @TempDir Path workdir;
  private FakeAnthropic fake;
  private AgentryServer server;
  private final List<Process> workers = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    // Sandboxes run under their own uid and must traverse the folder to their workspaces.
    Files.setPosixFilePermissions(workdir, PosixFilePermissions.fromString("rwx--x--x"));
    fake = FakeAnthropic.start();
    server =
        AgentryServer.start(
            ServerConfig.builder(Map.of()).port(0).dataDir(dataDir).apiKey(KEY).build(),
            Clock.systemUTC(),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            ModelClients.fromEnv(
                Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", "k")));
  }

  @AfterEach
  void stop() {
    workers.forEach(Process::destroyForcibly);
    server.close();
    fake.close();
  }

  @Test
  void agentryWorker_runsBashWriteAndRead_andTheTurnFinishes() throws Exception {
    String env = selfHostedEnvironment();
    String key = environmentKey(env);
    String session = session(env);
    fake.enqueue(
        FakeAnthropic.toolUse(
            "bash", "{\"command\":\"echo from-bash-$((6*7)) > b.txt; cat b.txt\"}"),
        FakeAnthropic.toolUse(
            "write", "{\"file_path\":\"notes/w.txt\",\"content\":\"written by the worker\"}"),
        FakeAnthropic.toolUse("read", "{\"file_path\":\"notes/w.txt\"}"),
        FakeAnthropic.text("all three ran"));
    Process worker = worker(env, key, "w1");

    say(session, "use your tools");
    List<JsonNode> log = awaitEndTurn(session, worker, "w1");

    List<JsonNode> results = ofType(log, "user.tool_result");
    assertThat(results).as(output("w1")).hasSize(3);
    assertThat(results).allSatisfy(r -> assertThat(r.path("is_error").asBoolean()).isFalse());
    assertThat(text(results.get(0))).isEqualTo("from-bash-42\n");
    assertThat(text(results.get(1))).isEqualTo("Wrote 21 bytes to /workspace/notes/w.txt");
    assertThat(text(results.get(2))).contains("1\twritten by the worker");
    assertThat(ofType(log, "agent.tool_result")).as("the server ran none itself").isEmpty();
    assertThat(workdir.resolve(session + "/notes/w.txt")).hasContent("written by the worker");
    assertThat(dataDir.resolve("workspaces/" + session)).doesNotExist();
  }

  @Test
  void kill9MidCall_theNextWorkerFinishesTheTurn_andTheLostCallIsNotRunAgain() throws Exception {
    String env = selfHostedEnvironment();
    String key = environmentKey(env);
    String session = session(env);
    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":\"echo ran >> runs.txt; sleep 30\"}"),
        FakeAnthropic.toolUse("bash", "{\"command\":\"cat runs.txt\"}"),
        FakeAnthropic.text("recovered"));
    Process first = worker(env, key, "w1");
    say(session, "go");
    Path runs = workdir.resolve(session + "/runs.txt");
    awaitFile(runs, first, "w1");

    first.destroyForcibly(); // SIGKILL, in the middle of the call
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    Process second = worker(env, key, "w2");
    List<JsonNode> log = awaitEndTurn(session, second, "w2");

    List<JsonNode> uses = ofType(log, "agent.tool_use");
    assertThat(uses).hasSize(2);
    // The lost call: answered by the server as unknown, not run again by the second worker.
    JsonNode lost = answerTo(log, uses.get(0).path("id").asText());
    assertThat(lost.path("is_error").asBoolean()).isTrue();
    assertThat(text(lost)).contains("outcome of this tool call is unknown");
    JsonNode cat = answerTo(log, uses.get(1).path("id").asText());
    assertThat(cat.path("type").asText()).isEqualTo("user.tool_result");
    assertThat(text(cat)).as(output("w2")).isEqualTo("ran\n");
    assertThat(runs).hasContent("ran\n");
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
  }

  @Test
  void aRefusedKey_exitsNonZero_withAMessage() throws Exception {
    String env = selfHostedEnvironment();
    Process worker = worker(env, "sk-ant-oat01-not-a-key-of-this-server", "w1");
    assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(worker.exitValue()).as(output("w1")).isEqualTo(1);
    assertThat(output("w1"))
        .contains("agentry worker: the server refused the environment key for " + env);
  }

  /**
   * A read_write store: the agent's write through its mount reaches the store as the session's
   * write. A read_only store is there to read and refuses writes. The item's token is nowhere the
   * sandbox can see, and the item's copies are gone once it ends.
   */
  @Test
  void memoryStores_areMountedOnTheWorker_writesReachTheStore_readOnlyRefuses() throws Exception {
    String env = selfHostedEnvironment();
    String key = environmentKey(env);
    String notes = memoryStore("notes");
    String facts = memoryStore("facts");
    call(
        "POST",
        "/v1/memory_stores/" + facts + "/memories",
        "{\"path\":\"/sky.md\",\"content\":\"the sky is blue\"}");
    String session =
        session(
            env,
            "",
            ",\"resources\":[{\"type\":\"memory_store\",\"memory_store_id\":\""
                + notes
                + "\",\"access\":\"read_write\"},{\"type\":\"memory_store\",\"memory_store_id\":\""
                + facts
                + "\",\"access\":\"read_only\"}]");
    fake.enqueue(
        bash("cat /mnt/memory/facts/sky.md"),
        bash("echo remember this > /mnt/memory/notes/notes.md && echo written"),
        bash("echo green > /mnt/memory/facts/sky.md; echo rc=$?"),
        bash(
            "env | grep -c "
                + ITEM_TOKEN
                + "; grep -rl "
                + ITEM_TOKEN
                + " /workspace /mnt /tmp 2>/dev/null; echo scanned"),
        FakeAnthropic.text("noted"));
    Process worker = worker(env, key, "w1");

    say(session, "remember");
    List<JsonNode> results = ofType(awaitEndTurn(session, worker, "w1"), "user.tool_result");

    assertThat(results).as(output("w1")).hasSize(4);
    assertThat(text(results.get(0))).isEqualTo("the sky is blue");
    assertThat(text(results.get(1))).isEqualTo("written\n");
    assertThat(text(results.get(2))).contains("Read-only file system").contains("rc=1");
    assertThat(text(results.get(3))).as("the token in the sandbox").isEqualTo("0\nscanned\n");
    JsonNode memory = onlyMemory(notes);
    assertThat(memory.path("path").asText()).isEqualTo("/notes.md");
    assertThat(memory.path("content").asText()).isEqualTo("remember this\n");
    JsonNode version =
        call("GET", "/v1/memory_stores/" + notes + "/memory_versions", null).path("data").get(0);
    assertThat(version.at("/created_by/type").asText()).isEqualTo("session_actor");
    assertThat(version.at("/created_by/session_id").asText()).isEqualTo(session);
    assertThat(onlyMemory(facts).path("content").asText()).isEqualTo("the sky is blue");
    awaitNoItemFolders(worker, "w1");
    assertThat(filesContaining(workdir, ITEM_TOKEN)).as("the token on the worker's disk").isEmpty();
  }

  /**
   * The agent's custom skill is read where the server's sandbox has it; once the item ends with the
   * session archived, the worker keeps nothing of the session.
   */
  @Test
  void aCustomSkill_isReadableAtWorkspaceSkills_andAnArchivedSessionLeavesNoWorkdir()
      throws Exception {
    String env = selfHostedEnvironment();
    String key = environmentKey(env);
    String skill = uploadSkill("greeter", "Say hello.");
    String session =
        session(env, ",\"skills\":[{\"type\":\"custom\",\"skill_id\":\"" + skill + "\"}]", "");
    fake.enqueue(
        FakeAnthropic.toolUse("read", "{\"file_path\":\"/workspace/skills/greeter/SKILL.md\"}"),
        bash("touch /workspace/skills/greeter/x 2>/dev/null; echo rc=$?"),
        bash("echo kept > kept.txt; sleep 3"),
        FakeAnthropic.text("hello"));
    Process worker = worker(env, key, "w1");

    say(session, "greet");
    Path kept = workdir.resolve(session + "/kept.txt");
    awaitFile(kept, worker, "w1");
    // Archived mid-call: the call's result is refused, the item ends, and the session is over.
    call("POST", "/v1/sessions/" + session + "/archive", "{}");
    awaitGone(workdir.resolve(session), worker, "w1");
    awaitNoItemFolders(worker, "w1");

    List<JsonNode> results = ofType(events(session), "user.tool_result");
    assertThat(results).as(output("w1")).hasSize(2);
    assertThat(text(results.get(0))).contains("name: greeter").contains("Say hello.");
    assertThat(text(results.get(1))).as("skills are read-only").isEqualTo("rc=1\n");
    Thread.sleep(1_500); // a poll or two: the archived session is not offered to a worker again
    assertThat(call("GET", "/v1/environments/" + env + "/work/stats", null).path("depth").asInt())
        .isZero();
  }

  /** A session that stays open keeps its workspace on the worker for its next turn. */
  @Test
  void anOpenSession_keepsItsWorkspaceBetweenItems_andAStaleItemFolderIsRemovedAtStart()
      throws Exception {
    String env = selfHostedEnvironment();
    String key = environmentKey(env);
    String session = session(env);
    Path stale = workdir.resolve(".items/work_stale_left_by_a_killed_worker");
    Files.createDirectories(stale.resolve("memory/res"));
    Files.writeString(stale.resolve("memory/res/notes.md"), "left behind");
    fake.enqueue(bash("echo one > turn.txt"), FakeAnthropic.text("first"));
    Process worker = worker(env, key, "w1");
    awaitGone(stale, worker, "w1");

    say(session, "first");
    awaitEndTurn(session, worker, "w1");
    awaitNoItemFolders(worker, "w1");
    assertThat(workdir.resolve(session + "/turn.txt")).hasContent("one\n");
    fake.enqueue(bash("cat turn.txt"), FakeAnthropic.text("second"));
    say(session, "second");
    List<JsonNode> log = awaitTurns(session, worker, "w1", 2);
    assertThat(text(ofType(log, "user.tool_result").getLast())).isEqualTo("one\n");
  }

  private Process worker(String env, String key, String name) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "worker",
                "--url",
                "http://127.0.0.1:" + server.port(),
                "--environment",
                env,
                "--workdir",
                workdir.toString(),
                "--lease-seconds",
                "10",
                "--worker-id",
                name)
            .redirectErrorStream(true)
            .redirectOutput(dataDir.resolve(name + ".log").toFile());
    // The key goes by the environment, out of the process list.
    pb.environment().put("AGENTRY_ENVIRONMENT_KEY", key);
    Process p = pb.start();
    p.getOutputStream().close();
    workers.add(p);
    return p;
  }

  private String output(String name) throws IOException {
    Path log = dataDir.resolve(name + ".log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  private String selfHostedEnvironment() throws Exception {
    return call(
            "POST",
            "/v1/environments",
            "{\"name\":\"hands\",\"config\":{\"type\":\"self_hosted\"}}")
        .path("id")
        .asText();
  }

  private String environmentKey(String env) throws Exception {
    return call("POST", "/v1/agentry/environments/" + env + "/keys", "{\"name\":\"e2e\"}")
        .path("key")
        .asText();
  }

  private String session(String env) throws Exception {
    return session(env, "", "");
  }

  /** A session of a new agent; {@code agentFields} and {@code sessionFields} are more JSON. */
  private String session(String env, String agentFields, String sessionFields) throws Exception {
    String agent =
        call(
                "POST",
                "/v1/agents",
                "{\"name\":\"w\",\"model\":\"claude-sonnet-4-6\",\"tools\":"
                    + "[{\"type\":\"agent_toolset_20260401\"}]"
                    + agentFields
                    + "}")
            .path("id")
            .asText();
    return call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"" + sessionFields + "}")
        .path("id")
        .asText();
  }

  private void say(String session, String text) throws Exception {
    call(
        "POST",
        "/v1/sessions/" + session + "/events",
        "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\""
            + text
            + "\"}]}]}");
  }

  private JsonNode call(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .header("x-api-key", KEY)
            .header("anthropic-beta", "managed-agents-2026-04-01")
            .header("content-type", "application/json")
            .timeout(Duration.ofSeconds(30));
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body());
  }

  private List<JsonNode> events(String session) throws Exception {
    List<JsonNode> log = new ArrayList<>();
    call("GET", "/v1/sessions/" + session + "/events?limit=1000", null)
        .path("data")
        .forEach(log::add);
    return log;
  }

  /**
   * Polls the log until a turn ends (an idle that waits on nothing); fails fast if the worker
   * exits.
   */
  private List<JsonNode> awaitEndTurn(String session, Process worker, String name)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    List<JsonNode> log = List.of();
    while (System.nanoTime() < deadline) {
      log = events(session);
      boolean ended =
          log.stream()
              .anyMatch(
                  e ->
                      e.path("type").asText().equals("session.status_idle")
                          && !e.at("/stop_reason/type").asText().equals("requires_action"));
      if (ended) {
        return log;
      }
      if (!worker.isAlive()) {
        throw new AssertionError("the worker exited: " + output(name) + "\nlog: " + log);
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "the turn did not finish: "
            + log.stream().map(e -> e.path("type").asText()).toList()
            + "\nworker: "
            + output(name));
  }

  private void awaitFile(Path file, Process worker, String name) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!Files.exists(file)) {
      if (System.nanoTime() > deadline || !worker.isAlive()) {
        throw new AssertionError(file + " never appeared; worker: " + output(name));
      }
      Thread.sleep(50);
    }
  }

  private static final String ITEM_TOKEN = "sk-ant-req-";

  private static FakeAnthropic.Reply bash(String command) {
    return FakeAnthropic.toolUse("bash", Json.mapper().createObjectNode().put("command", command));
  }

  private String memoryStore(String name) throws Exception {
    return call("POST", "/v1/memory_stores", "{\"name\":\"" + name + "\"}").path("id").asText();
  }

  /** The store's one memory, with its content. */
  private JsonNode onlyMemory(String store) throws Exception {
    JsonNode data = call("GET", "/v1/memory_stores/" + store + "/memories", null).path("data");
    assertThat(data).hasSize(1);
    return call(
        "GET", "/v1/memory_stores/" + store + "/memories/" + data.get(0).path("id").asText(), null);
  }

  /** A skill of one SKILL.md, uploaded as the hosted API takes it (multipart files[]). */
  private String uploadSkill(String name, String description) throws Exception {
    String boundary = "----agentry" + System.nanoTime();
    String body =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"files[]\"; filename=\""
            + name
            + "/SKILL.md\"\r\nContent-Type: text/markdown\r\n\r\n---\nname: "
            + name
            + "\ndescription: "
            + description
            + "\n---\n# "
            + name
            + "\n\r\n--"
            + boundary
            + "--\r\n";
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/skills"))
            .header("x-api-key", KEY)
            .header("anthropic-beta", "skills-2025-10-02")
            .header("content-type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body()).path("id").asText();
  }

  /** Waits until the worker has removed every item folder (its items ended). */
  private void awaitNoItemFolders(Process worker, String name) throws Exception {
    Path items = workdir.resolve(".items");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (Files.isDirectory(items) && listing(items).length > 0) {
      if (System.nanoTime() > deadline || !worker.isAlive()) {
        throw new AssertionError(
            "item folders remain: " + String.join(", ", listing(items)) + "; " + output(name));
      }
      Thread.sleep(50);
    }
  }

  private static String[] listing(Path dir) {
    String[] names = dir.toFile().list();
    return names == null ? new String[0] : names;
  }

  private void awaitGone(Path path, Process worker, String name) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (Files.exists(path)) {
      if (System.nanoTime() > deadline || !worker.isAlive()) {
        throw new AssertionError(path + " is still there; worker: " + output(name));
      }
      Thread.sleep(50);
    }
  }

  /** The regular files under {@code dir} whose bytes hold {@code needle} (ASCII). */
  private static List<Path> filesContaining(Path dir, String needle) throws IOException {
    List<Path> out = new ArrayList<>();
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        if (new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains(needle)) {
          out.add(p);
        }
      }
    }
    return out;
  }

  /** Polls the log until {@code turns} turns have ended. */
  private List<JsonNode> awaitTurns(String session, Process worker, String name, int turns)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    List<JsonNode> log = List.of();
    while (System.nanoTime() < deadline) {
      log = events(session);
      long ended =
          log.stream()
              .filter(e -> e.path("type").asText().equals("session.status_idle"))
              .filter(e -> !e.at("/stop_reason/type").asText().equals("requires_action"))
              .count();
      if (ended >= turns) {
        return log;
      }
      if (!worker.isAlive()) {
        throw new AssertionError("the worker exited: " + output(name));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not " + turns + " turns: " + output(name));
  }

  private static List<JsonNode> ofType(List<JsonNode> log, String type) {
    return log.stream().filter(e -> e.path("type").asText().equals(type)).toList();
  }

  private static JsonNode answerTo(List<JsonNode> log, String callId) {
    List<JsonNode> answers =
        log.stream()
            .filter(e -> e.path("type").asText().endsWith(".tool_result"))
            .filter(e -> e.path("tool_use_id").asText().equals(callId))
            .toList();
    assertThat(answers).as("answers to " + callId).hasSize(1);
    return answers.getFirst();
  }

  private static String text(JsonNode result) {
    return result.path("content").get(0).path("text").asText();
  }
}
