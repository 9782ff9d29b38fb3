package dev.agentry.store;

import static dev.agentry.testkit.StoreFixtures.draft;
import static dev.agentry.testkit.StoreFixtures.drafts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentry.core.ClusterFeed;
import dev.agentry.core.EventDraft;
import dev.agentry.core.EventStore;
import dev.agentry.core.Store;
import dev.agentry.core.StoredEvent;
import dev.agentry.testkit.PostgresTestDatabase;
import dev.agentry.testkit.StoreFixtures;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two stores on one PostgreSQL database, as two nodes have: what one appends reaches the other's
 * subscribers (by NOTIFY, then a read of the log), in seq order with no gap and no duplicate even
 * when both append to the same session at once, and still after the listening connection is killed.
 */
// The subscriptions' try-with-resources blocks only close them; the body never names them.
@SuppressWarnings("try")
class PostgresFeedTest {
  @RegisterExtension static final PostgresTestDatabase DATABASE = new PostgresTestDatabase();

  private static final Duration BOUND = Duration.ofSeconds(20);

  Store a;
  Store b;

  @BeforeEach
  void open() {
    a = Stores.open(StoreConfig.postgres(DATABASE.jdbcUrl()));
    b = Stores.open(StoreConfig.postgres(DATABASE.jdbcUrl()));
  }

  @AfterEach
  void close() {
    a.close();
    b.close();
  }

  private String newSession() {
    var agent = a.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    return a.sessions()
        .create(StoreFixtures.session(agent, StoreFixtures.uniqueEpoch()), List.of(draft("first")))
        .id();
  }

  @Test
  void appendsOnBothNodes_reachEverySubscriberInSeqOrder_withoutGapOrDuplicate() throws Exception {
    String s = newSession();
    List<Long> onA = new CopyOnWriteArrayList<>();
    List<Long> onB = new CopyOnWriteArrayList<>();
    int perThread = 60;
    int threads = 4;
    long last = 1 + (long) threads * perThread * 2;
    try (EventStore.Subscription subA = a.events().subscribe(s, e -> onA.add(e.seq()));
        EventStore.Subscription subB = b.events().subscribe(s, e -> onB.add(e.seq()))) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          // Half the writers append through A, half through B: local commits and notices race.
          Store through = t % 2 == 0 ? a : b;
          done.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < perThread; i++) {
                      through.events().append(s, drafts("agent.message", 2));
                    }
                  }));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      List<Long> expected = LongStream.rangeClosed(2, last).boxed().toList();
      await()
          .atMost(BOUND)
          .until(() -> onA.size() >= expected.size() && onB.size() >= expected.size());
      assertThat(onA).isEqualTo(expected);
      assertThat(onB).isEqualTo(expected);
    }
  }

  @Test
  void anAppendOnA_isToldToBsWatchers_withItsLastSeqAndWhetherItIsQueued() {
    String s = newSession();
    List<String> told = new CopyOnWriteArrayList<>();
    try (EventStore.Subscription w = b.clusterFeed().watch(watcher(told))) {
      a.events().append(s, List.of(EventDraft.of("agent.message", "{}", Instant.now())));
      a.events().append(s, List.of(draft("user.message")));
      await().atMost(BOUND).until(() -> told.size() >= 2);
      assertThat(told).containsExactly(s + " 2 processed", s + " 3 queued");
      assertThat(b.clusterFeed().notifications()).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void aNodesOwnAppends_areNotToldToItsOwnWatchers() {
    String s = newSession();
    List<String> toldA = new CopyOnWriteArrayList<>();
    List<String> toldB = new CopyOnWriteArrayList<>();
    try (EventStore.Subscription wa = a.clusterFeed().watch(watcher(toldA));
        EventStore.Subscription wb = b.clusterFeed().watch(watcher(toldB))) {
      a.events().append(s, List.of(draft("user.message")));
      b.events().append(s, List.of(draft("user.message")));
      // Each notice reaches every listener in commit order: once A has heard B's, it has had its
      // own.
      await().atMost(BOUND).until(() -> !toldA.isEmpty() && !toldB.isEmpty());
      assertThat(toldA).containsExactly(s + " 3 queued");
      assertThat(toldB).containsExactly(s + " 2 queued");
    }
  }

  @Test
  void theListeningConnectionKilled_subscriberCatchesUpFromTheLog_withoutGap() throws Exception {
    String s = newSession();
    List<StoredEvent> onB = new CopyOnWriteArrayList<>();
    List<String> missed = new CopyOnWriteArrayList<>();
    try (EventStore.Subscription sub = b.events().subscribe(s, onB::add);
        EventStore.Subscription w = b.clusterFeed().watch(missedWatcher(missed))) {
      a.events().append(s, List.of(draft("before")));
      await().atMost(BOUND).until(() -> onB.size() == 1);
      PostgresFeed feed = ((SqlStore) b).feed();
      int pid = feed.backendPid();
      assertThat(pid).isPositive();
      feed.holdReconnects(true);
      terminate(pid);
      await().atMost(BOUND).until(() -> feed.backendPid() == -1);
      // Appended while B cannot hear: no notice of these ever reaches B, and none comes after them.
      for (int i = 0; i < 30; i++) {
        a.events().append(s, List.of(draft("while-away")));
      }
      feed.holdReconnects(false);
      await().atMost(BOUND).until(() -> onB.size() >= 31);
      assertThat(onB)
          .extracting(StoredEvent::seq)
          .isEqualTo(LongStream.rangeClosed(2, 32).boxed().toList());
      assertThat(b.clusterFeed().reconnects()).isEqualTo(1);
      assertThat(missed).containsExactly("missed");
      assertThat(feed.backendPid()).isNotEqualTo(pid);
      a.events().append(s, List.of(draft("after")));
      await().atMost(BOUND).until(() -> onB.size() == 32);
      assertThat(onB.getLast().seq()).isEqualTo(33);
    }
  }

  private static void terminate(int pid) throws Exception {
    try (Connection c = DriverManager.getConnection(DATABASE.jdbcUrl());
        PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
      ps.setInt(1, pid);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBoolean(1)).isTrue();
      }
    }
  }

  private static ClusterFeed.Watcher watcher(List<String> told) {
    return new ClusterFeed.Watcher() {
      @Override
      public void appended(String sessionId, long lastSeq, boolean queued) {
        if (lastSeq == 1) {
          return; // the session's creation, which may come before or after the watch began
        }
        told.add(sessionId + " " + lastSeq + " " + (queued ? "queued" : "processed"));
      }

      @Override
      public void mayHaveMissed() {
        told.add("missed");
      }
    };
  }

  private static ClusterFeed.Watcher missedWatcher(List<String> missed) {
    return new ClusterFeed.Watcher() {
      @Override
      public void appended(String sessionId, long lastSeq, boolean queued) {}

      @Override
      public void mayHaveMissed() {
        missed.add("missed");
      }
    };
  }
}
