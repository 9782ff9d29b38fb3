package dev.agentry.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolOutcome;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The worker loop against a scripted queue over a real socket, with tools the test controls. */
class WorkerLoopTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private FakeQueue queue;
  private ScheduledExecutorService scheduler;
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Throwable> ended = new CompletableFuture<>();
  private Worker worker;

  @BeforeEach
  void setUp() throws Exception {
    queue = new FakeQueue();
    scheduler = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (worker != null) {
      worker.drain();
      worker.awaitFinished(WAIT);
    }
    scheduler.shutdownNow();
    queue.close();
  }

  private void start(String key, int maxSessions, ToolExecutor tools) {
    worker =
        new Worker(
            new Worker.Options(queue.url(), FakeQueue.ENV, key, maxSessions, "test-worker-1"),
            tools,
            scheduler,
            Clock.systemUTC(),
            new ItemRun.Pacing(2_000, 100, 1_000),
            () -> {});
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                worker.run();
                ended.complete(null);
              } catch (Throwable e) {
                ended.complete(e);
              }
            });
  }

  private ToolExecutor recording(String text) {
    return (sessionId, name, input, cancellation) -> {
      calls.add(sessionId + " " + name + " " + input);
      return ToolOutcome.ok(text);
    };
  }

  private static com.fasterxml.jackson.databind.node.ObjectNode bash(String command) {
    return FakeQueue.JSON.createObjectNode().put("command", command);
  }

  @Test
  void waitingCall_isRunOnce_itsResultPosted_andTheItemStopped() {
    String callId = queue.waitOn("sesn_a1", "bash", bash("echo hi"));
    String workId = queue.queue("sesn_a1");
    start(FakeQueue.KEY, 1, recording("hi\n"));

    FakeQueue.Session s = queue.session("sesn_a1");
    await().atMost(WAIT).until(() -> queue.items.get(workId).stopped);
    assertThat(calls).containsExactly("sesn_a1 bash {\"command\":\"echo hi\"}");
    assertThat(s.results).hasSize(1);
    JsonNode result = s.results.getFirst();
    assertThat(result.path("type").asText()).isEqualTo("user.tool_result");
    assertThat(result.path("tool_use_id").asText()).isEqualTo(callId);
    assertThat(result.path("is_error").asBoolean(true)).isFalse();
    assertThat(result.path("content").get(0).path("text").asText()).isEqualTo("hi\n");
    assertThat(queue.items.get(workId).heartbeats.get()).isGreaterThanOrEqualTo(1);
    assertThat(queue.workerIds).contains("test-worker-1");
    // The item calls used the item's token (the fake refuses anything else), the poll the key.
    assertThat(queue.log).contains("POST /v1/environments/env_fake/work/" + workId + "/ack");
  }

  @Test
  void refusedKey_endsTheRunWithAMessageNamingTheEnvironment() throws Exception {
    start("envkey-wrong", 1, recording("never"));

    Throwable e = ended.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(e)
        .isInstanceOf(WorkerException.KeyRefused.class)
        .hasMessageContaining("refused the environment key for env_fake")
        .hasMessageContaining("401");
    worker = null;
  }

  @Test
  void heartbeatsAtHalfTheTtl_whileALongCallRuns() throws Exception {
    queue.ttlSeconds = 2; // a heartbeat due every second
    queue.waitOn("sesn_hb", "bash", bash("sleep 10"));
    String workId = queue.queue("sesn_hb");
    CountDownLatch release = new CountDownLatch(1);
    start(
        FakeQueue.KEY,
        1,
        (sessionId, name, input, cancellation) -> {
          await().atMost(WAIT).until(() -> release.getCount() == 0);
          return ToolOutcome.ok("slept");
        });

    await().atMost(WAIT).until(() -> queue.items.get(workId).heartbeats.get() >= 4);
    release.countDown();
    await().atMost(WAIT).until(() -> queue.items.get(workId).stopped);
    assertThat(queue.session("sesn_hb").results).hasSize(1);
  }

  @Test
  void lostLease_cancelsTheCall_postsNothing_andDoesNotStopTheItem() {
    queue.ttlSeconds = 2;
    queue.waitOn("sesn_lost", "bash", bash("sleep 100"));
    String workId = queue.queue("sesn_lost");
    AtomicInteger cancelled = new AtomicInteger();
    start(
        FakeQueue.KEY,
        1,
        (sessionId, name, input, cancellation) -> {
          // Another worker takes the item: our next heartbeat gets a 412.
          queue.items.get(workId).lastHeartbeat = "another-workers-heartbeat";
          await().atMost(WAIT).until(cancellation::isCancelled);
          cancelled.incrementAndGet();
          return ToolOutcome.error("bash was interrupted");
        });

    await().atMost(WAIT).until(() -> cancelled.get() == 1);
    await()
        .atMost(WAIT)
        .until(() -> queue.log.stream().filter(l -> l.endsWith("/poll")).count() > 3);
    assertThat(queue.session("sesn_lost").results).isEmpty();
    assertThat(queue.items.get(workId).stopped).isFalse();
  }

  @Test
  void drain_letsTheRunningCallFinishAndPost_thenStopsTheItemAndReturns() throws Exception {
    queue.waitOn("sesn_dr", "bash", bash("make"));
    String workId = queue.queue("sesn_dr");
    queue.session("sesn_dr").endTurnOnResults = false; // more would wait but for the drain
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    start(
        FakeQueue.KEY,
        1,
        (sessionId, name, input, cancellation) -> {
          running.countDown();
          await().atMost(WAIT).until(() -> release.getCount() == 0);
          return ToolOutcome.ok(cancellation.isCancelled() ? "cancelled" : "built");
        });

    assertThat(running.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    worker.drain();
    assertThat(worker.awaitFinished(Duration.ofMillis(300))).isFalse();
    release.countDown();
    assertThat(worker.awaitFinished(WAIT)).isTrue();
    assertThat(ended.get()).isNull();
    FakeQueue.Session s = queue.session("sesn_dr");
    assertThat(s.results).hasSize(1);
    assertThat(s.results.getFirst().path("content").get(0).path("text").asText())
        .isEqualTo("built");
    assertThat(queue.items.get(workId).stopped).isTrue();
  }

  @Test
  void maxSessions_boundsTheItemsServedAtOnce() {
    for (String id : List.of("sesn_m1", "sesn_m2", "sesn_m3")) {
      queue.waitOn(id, "bash", bash("work"));
      queue.queue(id);
    }
    AtomicInteger now = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    CountDownLatch twoRunning = new CountDownLatch(2);
    start(
        FakeQueue.KEY,
        2,
        (sessionId, name, input, cancellation) -> {
          most.accumulateAndGet(now.incrementAndGet(), Math::max);
          twoRunning.countDown();
          try {
            twoRunning.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            // Give a third item the chance to start, if the bound let it.
            Thread.sleep(1_500);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          now.decrementAndGet();
          return ToolOutcome.ok("done");
        });

    await().atMost(WAIT).until(() -> queue.items.values().stream().allMatch(i -> i.stopped));
    assertThat(most.get()).isEqualTo(2);
  }

  @Test
  void terminatedSession_itemIsStoppedWithoutRunningAnything() {
    queue.waitOn("sesn_t", "bash", bash("rm -rf x"));
    queue.append(queue.session("sesn_t"), queue.event("session.status_terminated"));
    String workId = queue.queue("sesn_t");
    start(FakeQueue.KEY, 1, recording("never"));

    await().atMost(WAIT).until(() -> queue.items.get(workId).stopped);
    assertThat(calls).isEmpty();
    assertThat(queue.session("sesn_t").results).isEmpty();
  }

  @Test
  void callThatAsks_runsOnlyOnceConfirmed() {
    String callId = queue.waitOn("sesn_ask", "bash", bash("deploy"), "ask");
    String workId = queue.queue("sesn_ask");
    start(FakeQueue.KEY, 1, recording("deployed"));

    // The worker holds the item while the call waits for its confirmation.
    await().atMost(WAIT).until(() -> queue.items.get(workId).state.equals("active"));
    assertThat(calls).isEmpty();
    FakeQueue.Session s = queue.session("sesn_ask");
    queue.append(
        s, queue.event("user.tool_confirmation").put("tool_use_id", callId).put("result", "allow"));

    await().atMost(WAIT).until(() -> queue.items.get(workId).stopped);
    assertThat(calls).hasSize(1);
    assertThat(s.results).hasSize(1);
  }

  @Test
  void aSessionThatCannotBeReadForAWhile_isServedOnceItCan() {
    queue.sessionOutages.set(2);
    queue.waitOn("sesn_out", "bash", bash("echo later"));
    String workId = queue.queue("sesn_out");
    start(FakeQueue.KEY, 1, recording("later\n"));

    await().atMost(WAIT).until(() -> queue.items.get(workId).stopped);
    assertThat(queue.session("sesn_out").results).hasSize(1);
    assertThat(queue.sessionOutages.get()).isZero();
  }
}
