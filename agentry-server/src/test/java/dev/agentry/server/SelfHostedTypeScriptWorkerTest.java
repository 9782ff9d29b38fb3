package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * THE check of the self-hosted protocol (issue 16): the official TypeScript SDK's {@code
 * EnvironmentWorker} ({@code @anthropic-ai/sdk} 1.16, {@code client.beta.environments.work.worker}
 * with its default agent toolset, {@code src/test/node/worker}), run by {@code node} against a real
 * server and the fake model, serves a session of a {@code self_hosted} environment: the model's
 * {@code bash}, {@code write} and {@code read} calls run in the worker's workdir, never in the
 * server, and the turn finishes. {@code node} and {@code npm} are required; the SDK is installed
 * with {@code npm ci} into {@code target/} on first use.
 */
class SelfHostedTypeScriptWorkerTest {
  private static final Path SOURCE = Path.of("src/test/node/worker");
  private static final Path WORK = Path.of("target/node-worker");

  @TempDir Path dataDir;
  @TempDir Path workdir;

  @Test
  void theSdksEnvironmentWorker_runsBashWriteAndRead_andTheTurnFinishes() throws Exception {
    prepare();
    try (FakeAnthropic fake = FakeAnthropic.start();
        TestServer server =
            new TestServer(
                dataDir,
                null,
                Map.of(
                    "ANTHROPIC_BASE_URL", fake.baseUrl(),
                    "ANTHROPIC_API_KEY", "sk-ant-test-secret",
                    "AGENTRY_MODEL_RETRIES", "1"))) {
      String env =
          BadInputTest.id(
              server.call(
                  "POST",
                  "/v1/environments",
                  "{\"name\":\"hands\",\"config\":{\"type\":\"self_hosted\"}}"));
      HttpResponse<String> keyed =
          server.call("POST", "/v1/agentry/environments/" + env + "/keys", "{\"name\":\"ts\"}");
      String key = Json.mapper().readTree(keyed.body()).path("key").asText();
      String agent =
          BadInputTest.id(
              server.call(
                  "POST",
                  "/v1/agents",
                  "{\"name\":\"w\",\"model\":\"claude-sonnet-4-6\",\"tools\":"
                      + "[{\"type\":\"agent_toolset_20260401\"}]}"));
      String session =
          BadInputTest.id(
              server.call(
                  "POST",
                  "/v1/sessions",
                  "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
      fake.enqueue(
          FakeAnthropic.toolUse(
              "bash", "{\"command\":\"echo from-bash-$((6*7)) > b.txt; cat b.txt\"}"),
          FakeAnthropic.toolUse(
              "write", "{\"file_path\":\"notes/w.txt\",\"content\":\"written by the worker\"}"),
          FakeAnthropic.toolUse("read", "{\"file_path\":\"notes/w.txt\"}"),
          FakeAnthropic.text("all three ran"));

      Process w2 = start(server, env, key);
      ByteArrayOutputStream out2 = new ByteArrayOutputStream();
      Thread drain2 = Thread.ofVirtual().start(() -> copy(w2, out2));
      try {
        HttpResponse<String> said =
            server.call(
                "POST",
                "/v1/sessions/" + session + "/events",
                "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\","
                    + "\"text\":\"use your tools\"}]}]}");
        assertThat(said.statusCode()).as(said.body()).isEqualTo(200);
        List<JsonNode> log = awaitEndTurn(server, session, w2, out2);

        List<JsonNode> results =
            log.stream().filter(e -> e.path("type").asText().equals("user.tool_result")).toList();
        assertThat(results).as(out2.toString(StandardCharsets.UTF_8)).hasSize(3);
        assertThat(results.get(0).toString()).contains("from-bash-42");
        assertThat(results.get(1).toString()).contains("wrote");
        assertThat(results.get(2).toString()).contains("written by the worker");
        // The runtime ran none of them itself.
        assertThat(log).noneMatch(e -> e.path("type").asText().equals("agent.tool_result"));
        assertThat(Files.readString(workdir.resolve("notes/w.txt")))
            .isEqualTo("written by the worker");
        assertThat(Files.readString(workdir.resolve("b.txt")).strip()).isEqualTo("from-bash-42");
        assertThat(fake.requests().getLast().body().toString()).contains("written by the worker");
      } finally {
        w2.destroy();
        w2.waitFor(10, TimeUnit.SECONDS);
        drain2.join(5000);
      }
    }
  }

  private Process start(TestServer server, String env, String key) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("node", "worker.mjs").directory(WORK.toFile()).redirectErrorStream(true);
    pb.environment()
        .putAll(
            Map.of(
                "AGENTRY_BASE_URL",
                server.baseUrl(),
                "AGENTRY_API_KEY",
                TestServer.KEY,
                "AGENTRY_ENVIRONMENT_ID",
                env,
                "AGENTRY_ENVIRONMENT_KEY",
                key,
                "AGENTRY_WORKDIR",
                workdir.toString(),
                "WORKER_RUN_MS",
                "120000"));
    Process p = pb.start();
    p.getOutputStream().close();
    return p;
  }

  private static List<JsonNode> awaitEndTurn(
      TestServer server, String session, Process worker, ByteArrayOutputStream out)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    List<JsonNode> log = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      log.clear();
      Json.mapper()
          .readTree(
              server.call("GET", "/v1/sessions/" + session + "/events?limit=1000", null).body())
          .get("data")
          .forEach(log::add);
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
        throw new AssertionError(
            "the worker exited: " + out.toString(StandardCharsets.UTF_8) + "\nlog: " + log);
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "the turn did not finish: "
            + log.stream().map(e -> e.path("type").asText()).toList()
            + "\nworker: "
            + out.toString(StandardCharsets.UTF_8));
  }

  private static void copy(Process p, ByteArrayOutputStream out) {
    try {
      p.getInputStream().transferTo(out);
    } catch (java.io.IOException e) {
      // the process ended
    }
  }

  /** Copies the script and its package files into target/ and installs the pinned packages. */
  private static void prepare() throws Exception {
    Files.createDirectories(WORK);
    for (String f : List.of("package.json", "package-lock.json", "worker.mjs")) {
      Files.copy(SOURCE.resolve(f), WORK.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    if (!Files.isDirectory(WORK.resolve("node_modules/@anthropic-ai/sdk"))) {
      Process install =
          new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
              .directory(WORK.toFile())
              .redirectErrorStream(true)
              .start();
      String out = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(install.waitFor(5, TimeUnit.MINUTES)).isTrue();
      assertThat(install.exitValue()).as("npm ci: " + out).isZero();
    }
  }
}
