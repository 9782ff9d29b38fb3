package dev.agentry.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.SandboxLimits;
import dev.agentry.sandbox.Sandboxes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker runs a session's waiting calls by session thread (docs/decisions/0047): each thread in
 * its own shell of the session's one bubblewrap sandbox, a thread's calls one at a time and in
 * order, and with {@code maxConcurrentCalls} above 1 the calls of different threads side by side.
 */
class WorkerThreadsTest {
  private static final String ALPHA = "sthr_alpha1";
  private static final String BETA = "sthr_beta1";

  @TempDir Path workdir;

  /** One call: the thread that makes it (null: the primary, unnamed), its tool and input. */
  private record Call(String thread, String tool, ObjectNode input) {
    Call(String thread, String command) {
      this(thread, "bash", FakeQueue.JSON.createObjectNode().put("command", command));
    }
  }

  /** Runs the calls, all waited on at once, through a worker; returns their results' texts. */
  private List<String> serve(String sessionId, int maxConcurrentCalls, Call... calls)
      throws Exception {
    // A sandbox under its own uid must traverse the folder to reach its workspace.
    Files.setPosixFilePermissions(workdir, PosixFilePermissions.fromString("rwx--x--x"));
    try (FakeQueue queue = new FakeQueue()) {
      List<Map.Entry<String, ObjectNode>> tools = new ArrayList<>();
      List<String> threads = new ArrayList<>();
      for (Call c : calls) {
        tools.add(Map.entry(c.tool(), c.input()));
        threads.add(c.thread());
      }
      List<String> ids = queue.waitOnAll(sessionId, tools, "allow", threads);
      String workId = queue.queue(sessionId);
      Worker worker =
          Worker.create(
              new Worker.Options(
                  queue.url(),
                  FakeQueue.ENV,
                  FakeQueue.KEY,
                  1,
                  "threads-test",
                  0,
                  maxConcurrentCalls),
              workdir,
              Sandboxes.bubblewrap(),
              SandboxLimits.DEFAULTS);
      WorkerSandboxTest.serveUntilStopped(queue, workId, worker);
      List<JsonNode> results = queue.session(sessionId).results;
      assertThat(results)
          .extracting(r -> r.path("tool_use_id").asText())
          .containsExactlyInAnyOrderElementsOf(ids);
      assertThat(results).allSatisfy(r -> assertThat(r.path("is_error").asBoolean()).isFalse());
      List<String> texts = new ArrayList<>();
      for (String id : ids) {
        texts.add(
            results.stream()
                .filter(r -> r.path("tool_use_id").asText().equals(id))
                .findFirst()
                .orElseThrow()
                .path("content")
                .get(0)
                .path("text")
                .asText());
      }
      return texts;
    }
  }

  @Test
  void eachThreadHasItsOwnShell_overTheSessionsOneWorkspace() throws Exception {
    List<String> out =
        serve(
            "sesn_thr1",
            1,
            new Call(ALPHA, "echo from-alpha > shared.txt && cd /tmp && export X=a"),
            new Call(BETA, "export X=b"),
            new Call(ALPHA, "pwd; echo $X"),
            new Call(BETA, "pwd; echo $X; cat shared.txt"),
            new Call(null, "echo \"[${X:-}]\""));
    assertThat(out.get(2)).isEqualTo("/tmp\na\n");
    assertThat(out.get(3)).isEqualTo("/workspace\nb\nfrom-alpha\n");
    assertThat(out.get(4)).isEqualTo("[]\n");
  }

  @Test
  void aThreadsCallsRunInOrder_evenWhenCallsMayRunSideBySide() throws Exception {
    // The read does not use the shell (whose lock would order two bash calls anyway): only the
    // thread's lane keeps it from running before the slow write.
    List<String> out =
        serve(
            "sesn_thr2",
            2,
            new Call(ALPHA, "sleep 0.5; echo first > order.txt"),
            new Call(
                ALPHA, "read", FakeQueue.JSON.createObjectNode().put("file_path", "order.txt")),
            new Call(BETA, "echo beta"));
    assertThat(out.get(1)).contains("1\tfirst");
    assertThat(out.get(2)).isEqualTo("beta\n");
  }

  private static final String TIMED = "date +%s%N; sleep 1; date +%s%N";

  @Test
  void withTwoConcurrentCalls_twoThreadsSleepsOverlap() throws Exception {
    List<long[]> spans =
        spans(serve("sesn_thr3", 2, new Call(ALPHA, TIMED), new Call(BETA, TIMED)));
    long start = Math.min(spans.get(0)[0], spans.get(1)[0]);
    long end = Math.max(spans.get(0)[1], spans.get(1)[1]);
    assertThat(spans.get(0)[0]).isLessThan(spans.get(1)[1]);
    assertThat(spans.get(1)[0]).isLessThan(spans.get(0)[1]);
    assertThat(Duration.ofNanos(end - start)).isLessThan(Duration.ofMillis(1_900));
  }

  @Test
  void withOneCallAtATime_twoThreadsSleepsSerialise() throws Exception {
    List<long[]> spans =
        spans(serve("sesn_thr4", 1, new Call(ALPHA, TIMED), new Call(BETA, TIMED)));
    long[] first = spans.get(0)[0] < spans.get(1)[0] ? spans.get(0) : spans.get(1);
    long[] second = first == spans.get(0) ? spans.get(1) : spans.get(0);
    assertThat(second[0]).isGreaterThanOrEqualTo(first[1]);
    assertThat(Duration.ofNanos(second[1] - first[0]))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
  }

  /** The start and end (nanoseconds since the epoch) each timed command printed. */
  private static List<long[]> spans(List<String> outputs) {
    return outputs.stream()
        .map(o -> o.strip().split("\n"))
        .map(l -> new long[] {Long.parseLong(l[0].strip()), Long.parseLong(l[1].strip())})
        .toList();
  }
}
