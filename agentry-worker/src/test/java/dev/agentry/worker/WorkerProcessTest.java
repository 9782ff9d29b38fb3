package dev.agentry.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker as a process: SIGTERM drains and exits 0, SIGKILL leaves the item to its lease. */
class WorkerProcessTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  @TempDir Path markers;
  private FakeQueue queue;
  private final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    queue = new FakeQueue();
  }

  @AfterEach
  void tearDown() {
    processes.forEach(Process::destroyForcibly);
    queue.close();
  }

  private Process worker(String key, String name) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                WorkerProcessMain.class.getName(),
                queue.url().toString(),
                key,
                markers.toString(),
                name)
            .redirectErrorStream(true)
            .redirectOutput(markers.resolve(name + ".log").toFile())
            .start();
    processes.add(p);
    return p;
  }

  private String output(String name) throws IOException {
    return Files.readString(markers.resolve(name + ".log"), StandardCharsets.UTF_8);
  }

  @Test
  void sigterm_midCall_letsTheCallFinishAndPost_stopsTheItem_andExitsZero() throws Exception {
    queue.waitOn("sesn_term", "bash", FakeQueue.JSON.createObjectNode().put("command", "x"));
    String workId = queue.queue("sesn_term");
    Process p = worker(FakeQueue.KEY, "w1");
    await().atMost(WAIT).until(() -> Files.exists(markers.resolve("started-w1")));

    p.destroy(); // SIGTERM
    // The call is still running: the drain waits for it.
    assertThat(p.waitFor(500, TimeUnit.MILLISECONDS)).isFalse();
    Files.writeString(markers.resolve("release"), "");

    assertThat(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output("w1")).isZero();
    FakeQueue.Session s = queue.session("sesn_term");
    assertThat(s.results).hasSize(1);
    assertThat(s.results.getFirst().path("content").get(0).path("text").asText())
        .isEqualTo("finished by w1");
    assertThat(queue.items.get(workId).stopped).isTrue();
  }

  @Test
  void refusedKey_exitsNonZero_withAMessageThatSaysSo() throws Exception {
    Process p = worker("not-the-key", "w1");
    assertThat(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(output("w1"))
        .contains("agentry worker: the server refused the environment key for env_fake");
  }

  @Test
  void kill9_midCall_leavesTheItemToItsLease_andTheNextWorkerServesIt() throws Exception {
    queue.ttlSeconds = 2;
    queue.waitOn("sesn_kill", "bash", FakeQueue.JSON.createObjectNode().put("command", "x"));
    String workId = queue.queue("sesn_kill");
    Process first = worker(FakeQueue.KEY, "w1");
    await().atMost(WAIT).until(() -> Files.exists(markers.resolve("started-w1")));
    first.destroyForcibly();
    first.waitFor();
    assertThat(queue.items.get(workId).stopped).isFalse();
    Files.writeString(markers.resolve("release"), "");

    worker(FakeQueue.KEY, "w2");
    await().atMost(WAIT).until(() -> queue.items.get(workId).stopped);
    FakeQueue.Session s = queue.session("sesn_kill");
    assertThat(s.results).hasSize(1);
    assertThat(s.results.getFirst().path("content").get(0).path("text").asText())
        .isEqualTo("finished by w2");
  }
}
