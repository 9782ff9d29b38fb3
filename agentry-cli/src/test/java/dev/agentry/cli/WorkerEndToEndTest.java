package dev.agentry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.testkit.FakeAnthropic;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code agentry worker} as a process against a real server whose model is the fake: a {@code
 * self_hosted} session's built-in calls run in the worker's bubblewrap sandbox, never in the
 * server; a worker killed with SIGKILL mid-call leaves its item to its lease, and the next worker
 * finishes the turn without running the lost side-effecting call again.
 */
class WorkerEndToEndTest extends WorkerEndToEndBase {
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
    Process worker = worker(env, key, "w1", "--max-concurrent-calls", "2");

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

  @Test
  void maxConcurrentCallsBelowOne_isRefused_namingTheFlag() throws Exception {
    String env = selfHostedEnvironment();
    Process worker = worker(env, "sk-ant-oat01-unused", "w0", "--max-concurrent-calls", "0");
    assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(worker.exitValue()).as(output("w0")).isEqualTo(2);
    assertThat(output("w0")).contains("--max-concurrent-calls must be at least 1, got 0");
  }
}
