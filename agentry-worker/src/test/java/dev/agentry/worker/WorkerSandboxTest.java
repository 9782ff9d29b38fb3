package dev.agentry.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.SandboxLimits;
import dev.agentry.sandbox.Sandboxes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker as {@code agentry worker} builds it: the server's bubblewrap sandbox and built-in
 * tools, one sandbox per session over a workspace in the worker's folder.
 */
class WorkerSandboxTest {
  @TempDir Path workdir;

  private static ObjectNode input(String... pairs) {
    ObjectNode o = FakeQueue.JSON.createObjectNode();
    for (int i = 0; i < pairs.length; i += 2) {
      o.put(pairs[i], pairs[i + 1]);
    }
    return o;
  }

  @Test
  void writeReadAndBash_runInTheSessionsBubblewrapSandbox() throws Exception {
    // A sandbox under its own uid must traverse the folder to reach its workspace.
    Files.setPosixFilePermissions(workdir, PosixFilePermissions.fromString("rwx--x--x"));
    try (FakeQueue queue = new FakeQueue()) {
      List<String> ids =
          queue.waitOnAll(
              "sesn_real1",
              List.of(
                  Map.entry("write", input("file_path", "notes.txt", "content", "hands\n")),
                  Map.entry("read", input("file_path", "/workspace/notes.txt")),
                  Map.entry("bash", input("command", "cd /workspace && cat notes.txt; whoami"))),
              "allow");
      String workId = queue.queue("sesn_real1");
      Worker worker =
          Worker.create(
              new Worker.Options(queue.url(), FakeQueue.ENV, FakeQueue.KEY, 2, "sandbox-test"),
              workdir,
              Sandboxes.bubblewrap(),
              SandboxLimits.DEFAULTS);
      serveUntilStopped(queue, workId, worker);

      List<JsonNode> results = queue.session("sesn_real1").results;
      assertThat(results).extracting(r -> r.path("tool_use_id").asText()).isEqualTo(ids);
      assertThat(results).allSatisfy(r -> assertThat(r.path("is_error").asBoolean()).isFalse());
      assertThat(text(results.get(0))).isEqualTo("Wrote 6 bytes to /workspace/notes.txt");
      assertThat(text(results.get(1))).contains("1\thands");
      assertThat(text(results.get(2))).startsWith("hands\n").doesNotContain("root");
      assertThat(workdir.resolve("sesn_real1/notes.txt")).hasContent("hands\n");
    }
  }

  private static String text(JsonNode result) {
    return result.path("content").get(0).path("text").asText();
  }

  /** Runs {@code worker} until it stopped {@code workId}, then drains and closes it. */
  static void serveUntilStopped(FakeQueue queue, String workId, Worker worker)
      throws InterruptedException {
    Thread run = Thread.ofVirtual().start(() -> runQuietly(worker));
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> queue.items.get(workId).stopped);
    } finally {
      worker.drain();
      run.join(30_000);
      worker.close();
    }
  }

  private static void runQuietly(Worker worker) {
    try {
      worker.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
