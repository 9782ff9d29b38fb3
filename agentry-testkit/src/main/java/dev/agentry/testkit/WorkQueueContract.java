package dev.agentry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Session;
import dev.agentry.core.WorkItem;
import dev.agentry.core.WorkRepository;
import dev.agentry.core.WorkRepository.EnvironmentKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** What every {@link WorkRepository} must do: the self-hosted work queue's transitions. */
public abstract class WorkQueueContract extends StoreTestBase {
  private static final Duration RECLAIM = Duration.ofSeconds(5);
  private static final Duration TTL = Duration.ofSeconds(60);

  private final String env = Ids.next(IdKind.ENVIRONMENT);

  /** A token hash of this test alone: a PostgreSQL database is shared by the suite's tests. */
  private String tok(String name) {
    return name + "-" + env;
  }

  private WorkRepository work() {
    return store.work();
  }

  private String session() {
    Instant at = StoreFixtures.uniqueEpoch();
    Session s = StoreFixtures.session(store.agents().create(StoreFixtures.agent(at)), at);
    return store.sessions().create(s, List.of()).id();
  }

  @Test
  void offerQueuesOneOpenItemPerSession() {
    String s = session();
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    WorkItem first = work().offer("wrkspc_default", env, s, now);
    WorkItem again = work().offer("wrkspc_default", env, s, now.plusSeconds(1));
    assertThat(again.id()).isEqualTo(first.id());
    assertThat(first.state()).isEqualTo(WorkItem.QUEUED);
    assertThat(first.sessionId()).isEqualTo(s);
    assertThat(work().list(env, null, 10)).extracting(WorkItem::id).containsExactly(first.id());
  }

  @Test
  void pollHandsAnItemOutOnceUntilTheReclaimDelayPasses() {
    String s = session();
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    WorkItem item = work().offer("wrkspc_default", env, s, now);
    Optional<WorkItem> a = work().poll(env, "worker-a", tok("hash-a"), RECLAIM, now);
    assertThat(a).map(WorkItem::id).contains(item.id());
    assertThat(work().findByToken(tok("hash-a"))).map(WorkItem::id).contains(item.id());
    assertThat(work().poll(env, "worker-b", tok("hash-b"), RECLAIM, now.plusSeconds(1))).isEmpty();
    // Not acked within the reclaim delay: offered again, and the first poller's token dies.
    assertThat(work().poll(env, "worker-b", tok("hash-b"), RECLAIM, now.plusSeconds(6)))
        .map(WorkItem::workerId)
        .contains("worker-b");
    assertThat(work().findByToken(tok("hash-a"))).isEmpty();
    assertThat(work().poll("env_other", "worker-c", tok("hash-c"), RECLAIM, now.plusSeconds(60)))
        .isEmpty();
  }

  @Test
  void concurrentPollsNeverHandOutTheSameItemTwice() throws Exception {
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    List<String> offered = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      offered.add(work().offer("wrkspc_default", env, session(), now.plusMillis(i)).id());
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Optional<WorkItem>>> polls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String worker = "w" + i;
        Callable<Optional<WorkItem>> poll =
            () -> work().poll(env, worker, tok("h-" + worker), RECLAIM, now.plusSeconds(1));
        polls.add(pool.submit(poll));
      }
      Map<String, Integer> handedOut = new HashMap<>();
      for (Future<Optional<WorkItem>> f : polls) {
        f.get().ifPresent(item -> handedOut.merge(item.id(), 1, Integer::sum));
      }
      assertThat(handedOut.values()).allMatch(n -> n == 1);
      assertThat(offered).containsAll(handedOut.keySet());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theFirstHeartbeatClaimsAndAStaleOneIsRefused() {
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    WorkItem item = work().offer("wrkspc_default", env, session(), now);
    work().poll(env, "w", tok("h"), RECLAIM, now);
    assertThat(work().ack(env, item.id(), now)).map(WorkItem::state).contains(WorkItem.STARTING);
    assertThat(work().ack(env, item.id(), now)).isEmpty();

    Instant t1 = now.plusSeconds(1);
    var claim = work().heartbeat(env, item.id(), null, TTL, t1).orElseThrow();
    assertThat(claim.matched()).isTrue();
    assertThat(claim.extended()).isTrue();
    assertThat(claim.item().state()).isEqualTo(WorkItem.ACTIVE);
    assertThat(claim.item().latestHeartbeatAt()).isEqualTo(t1);
    assertThat(claim.item().startedAt()).isEqualTo(t1);

    // Another worker claiming too, or echoing a heartbeat that is not the stored one: refused.
    var second = work().heartbeat(env, item.id(), null, TTL, now.plusSeconds(2)).orElseThrow();
    assertThat(second.matched()).isFalse();
    assertThat(second.item().latestHeartbeatAt()).isEqualTo(t1);
    assertThat(
            work().heartbeat(env, item.id(), now, TTL, now.plusSeconds(2)).orElseThrow().matched())
        .isFalse();

    Instant t2 = now.plusSeconds(3);
    var next = work().heartbeat(env, item.id(), t1, TTL, t2).orElseThrow();
    assertThat(next.matched()).isTrue();
    assertThat(next.item().leaseExpiresAt()).isEqualTo(t2.plus(TTL));
    assertThat(next.item().ttlSeconds()).isEqualTo(60);
  }

  @Test
  void aStopRequestEndsTheLeaseAndAForcedStopEndsTheItem() {
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    WorkItem item = work().offer("wrkspc_default", env, session(), now);
    work().poll(env, "w", tok("h"), RECLAIM, now);
    work().ack(env, item.id(), now);
    Instant t1 = now.plusSeconds(1);
    work().heartbeat(env, item.id(), null, TTL, t1);

    assertThat(work().stop(env, item.id(), false, now.plusSeconds(2)))
        .map(WorkItem::state)
        .contains(WorkItem.STOPPING);
    var hb = work().heartbeat(env, item.id(), t1, TTL, now.plusSeconds(3)).orElseThrow();
    assertThat(hb.matched()).isTrue();
    assertThat(hb.extended()).isFalse();

    WorkItem stopped = work().stop(env, item.id(), true, now.plusSeconds(4)).orElseThrow();
    assertThat(stopped.state()).isEqualTo(WorkItem.STOPPED);
    assertThat(stopped.stopRequestedAt()).isEqualTo(now.plusSeconds(2));
    assertThat(work().stop(env, item.id(), true, now.plusSeconds(5))).isEmpty();
    assertThat(work().findByToken(tok("h"))).isEmpty();
  }

  @Test
  void aLapsedLeaseIsFoundAndMarkedOnce() {
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    String s = session();
    WorkItem item = work().offer("wrkspc_default", env, s, now);
    work().poll(env, "w", tok("h"), RECLAIM, now);
    work().ack(env, item.id(), now);
    work().heartbeat(env, item.id(), null, TTL, now);
    assertThat(work().lapsed(env, now.plusSeconds(59))).isEmpty();
    assertThat(work().lapsed(env, now.plusSeconds(60)))
        .extracting(WorkItem::id)
        .contains(item.id());
    assertThat(work().markLapsed(item.id(), now.plusSeconds(60))).isTrue();
    assertThat(work().markLapsed(item.id(), now.plusSeconds(61))).isFalse();
    WorkItem after = work().find(env, item.id()).orElseThrow();
    assertThat(after.stopped()).isTrue();
    assertThat(after.lapsed()).isTrue();
    // The session may be offered again: a new item.
    assertThat(work().offer("wrkspc_default", env, s, now.plusSeconds(61)).id())
        .isNotEqualTo(item.id());
    assertThat(work().latestOf(s).map(WorkItem::id)).isNotEqualTo(Optional.of(item.id()));
  }

  @Test
  void metadataMergesAndStatsCountTheQueue() {
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    WorkItem a = work().offer("wrkspc_default", env, session(), now);
    work().offer("wrkspc_default", env, session(), now.plusSeconds(1));
    work().updateMetadata(env, a.id(), Map.of("k", "v", "x", "y"));
    Map<String, String> patch = new HashMap<>();
    patch.put("x", null);
    patch.put("z", "1");
    assertThat(work().updateMetadata(env, a.id(), patch).orElseThrow().metadata())
        .containsExactlyInAnyOrderEntriesOf(Map.of("k", "v", "z", "1"));

    work().poll(env, "w1", tok("h1"), RECLAIM, now.plusSeconds(2));
    work().recordPoller(env, "w1", now.plusSeconds(2));
    work().recordPoller(env, "w2", now.plusSeconds(2));
    work().recordPoller(env, "w2", now.plusSeconds(3));
    work().recordPoller(env, "old", now.minusSeconds(60));
    WorkRepository.Stats stats = work().stats(env, now.minusSeconds(28));
    assertThat(stats.depth()).isEqualTo(1);
    assertThat(stats.pending()).isEqualTo(1);
    assertThat(stats.oldestQueuedAt()).isEqualTo(now);
    assertThat(stats.workersPolling()).isEqualTo(2);
  }

  @Test
  void statsOfAnEmptyQueue() {
    WorkRepository.Stats stats = work().stats(env, Instant.parse("2030-01-01T00:00:00Z"));
    assertThat(stats).isEqualTo(new WorkRepository.Stats(0, 0, null, 0));
  }

  @Test
  void environmentKeysAreFoundByHashAndRevokedPerEnvironment() {
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    String hash = "hash-" + Ids.next(IdKind.ENVIRONMENT_KEY);
    EnvironmentKey key =
        work()
            .createKey(
                new EnvironmentKey(
                    Ids.next(IdKind.ENVIRONMENT_KEY), "wrkspc_default", env, "k", hash, now, null));
    assertThat(work().findKeyByHash(hash)).contains(key);
    assertThat(work().listKeys(env)).containsExactly(key);
    assertThat(work().revokeKey("env_other", key.id(), now)).isFalse();
    assertThat(work().revokeKey(env, key.id(), now)).isTrue();
    assertThat(work().revokeKey(env, key.id(), now)).isFalse();
    assertThat(work().findKeyByHash(hash).orElseThrow().revokedAt()).isEqualTo(now);
  }
}
