package dev.agentry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code agentry worker} brings the session's memory stores and skills into its sandbox, at the
 * paths the server's sandbox uses, and keeps its work dir clean (docs/decisions/0048).
 */
class WorkerMountsEndToEndTest extends WorkerEndToEndBase {
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
    // Its call still waits, but an archived session takes no results: once the item is stopped,
    // no worker is offered the session again (the worker polls every 1-3 s, 4 s are watched).
    awaitOutput("stopped work item", worker, "w1");
    long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
    while (System.nanoTime() < until) {
      JsonNode stats = call("GET", "/v1/environments/" + env + "/work/stats", null);
      assertThat(stats.path("depth").asInt() + stats.path("pending").asInt()).isZero();
      assertThat(output("w1")).containsOnlyOnce("claimed work item");
      Thread.sleep(100);
    }
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

  private void awaitOutput(String text, Process worker, String name) throws Exception {
    awaitWorker(() -> output(name).contains(text), () -> "it never said " + text, worker, name);
  }

  /** Waits until the worker has removed every item folder (its items ended). */
  private void awaitNoItemFolders(Process worker, String name) throws Exception {
    Path items = workdir.resolve(".items");
    awaitWorker(
        () -> listing(items).length == 0,
        () -> "item folders remain: " + String.join(", ", listing(items)),
        worker,
        name);
  }

  private static String[] listing(Path dir) {
    String[] names = dir.toFile().list();
    return names == null ? new String[0] : names;
  }

  private void awaitGone(Path path, Process worker, String name) throws Exception {
    awaitWorker(() -> !Files.exists(path), () -> path + " is still there", worker, name);
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
}
