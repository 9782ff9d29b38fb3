package dev.agentry.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lease's cadence and its answers to the server, on a fixed clock with a manual timer. */
class LeaseTest {
  private FakeQueue queue;
  private WorkApi api;
  private final Timer timer = new Timer();
  private final AtomicInteger lostCalls = new AtomicInteger();

  /** Records what the lease schedules, and runs it only when the test says. */
  static final class Timer extends ScheduledThreadPoolExecutor {
    final List<Long> delays = new CopyOnWriteArrayList<>();
    final List<Runnable> tasks = new CopyOnWriteArrayList<>();

    Timer() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
      delays.add(unit.toMillis(delay));
      tasks.add(task);
      return super.schedule(() -> {}, 1, TimeUnit.DAYS);
    }

    void runLast() {
      tasks.getLast().run();
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    queue = new FakeQueue();
    api = new WorkApi(HttpClient.newHttpClient(), queue.url(), FakeQueue.ENV);
  }

  @AfterEach
  void tearDown() {
    timer.shutdownNow();
    queue.close();
  }

  private Lease lease(String workId) {
    Clock fixed = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);
    return new Lease(api, "tok-" + workId, workId, timer, fixed, 0, lostCalls::incrementAndGet);
  }

  @Test
  void theNextHeartbeatIsDueAtHalfTheTtl() {
    queue.ttlSeconds = 10;
    String workId = queue.queue("sesn_l1");
    lease(workId).claim();
    assertThat(timer.delays).containsExactly(5_000L);
    assertThat(queue.items.get(workId).heartbeats.get()).isEqualTo(1);
  }

  @Test
  void theNextHeartbeatIsDueWithin30sHoweverLongTheTtl() {
    queue.ttlSeconds = 300;
    String workId = queue.queue("sesn_l2");
    lease(workId).claim();
    assertThat(timer.delays).containsExactly(30_000L);
  }

  @Test
  void eachHeartbeatEchoesTheLastOne_andKeepsTheLease() {
    queue.ttlSeconds = 10;
    String workId = queue.queue("sesn_l3");
    Lease lease = lease(workId);
    lease.claim();
    timer.runLast();
    timer.runLast();
    assertThat(queue.items.get(workId).heartbeats.get()).isEqualTo(3);
    assertThat(lease.lost()).isFalse();
    assertThat(timer.delays).containsExactly(5_000L, 5_000L, 5_000L);
  }

  @Test
  void aStopRequest_endsTheHeartbeats_asAShutdown() {
    String workId = queue.queue("sesn_l4");
    Lease lease = lease(workId);
    lease.claim();
    queue.items.get(workId).stopRequested = true;
    timer.runLast();
    assertThat(lease.shutdown()).isTrue();
    assertThat(lease.lost()).isFalse();
    assertThat(timer.tasks).hasSize(1); // nothing more scheduled
  }

  @Test
  void a412_losesTheLease_andTellsTheItem() {
    String workId = queue.queue("sesn_l5");
    Lease lease = lease(workId);
    lease.claim();
    queue.items.get(workId).lastHeartbeat = "someone-else";
    timer.runLast();
    assertThat(lease.lost()).isTrue();
    assertThat(lostCalls.get()).isEqualTo(1);
    assertThat(timer.tasks).hasSize(1);
  }
}
