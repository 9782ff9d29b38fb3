package dev.agentry.bench;

import dev.agentry.core.Agent;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.EventDraft;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.ModelConfig;
import dev.agentry.core.Session;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.SessionUsage;
import dev.agentry.core.Store;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Durable appends straight through {@link Store#events()}: every sample is one {@code append} of
 * one ~200-byte event, timed from the call to its return (which the store promises happens only
 * after the commit is durable). Each case runs a warm-up, then a measured window; only appends that
 * start and finish inside the window count.
 */
final class StoreAppendBench {
  /** A JSON payload of about 200 bytes. */
  static final String PAYLOAD = payload(200);

  private final Duration warmup;
  private final Duration measure;
  private final PrintStream out;

  StoreAppendBench(Duration warmup, Duration measure, PrintStream out) {
    this.warmup = warmup;
    this.measure = measure;
    this.out = out;
  }

  /** One load shape: {@code threads} appenders spread over {@code sessions} sessions. */
  record Case(String name, int sessions, int threads) {}

  static final List<Case> CASES =
      List.of(
          new Case("(a) 1 session, 16 concurrent appenders", 1, 16),
          new Case("(b) 100 sessions, 1 appender each", 100, 100),
          new Case("(c) 1 session, 1 sequential appender", 1, 1));

  void run(boolean sqlite, boolean postgres) throws InterruptedException {
    if (sqlite) {
      Path dir = TempDirs.create("agentry-bench-sqlite-");
      try {
        out.println();
        out.println("### Store appends: SQLite (" + dir + ", WAL, synchronous=FULL)");
        try (Store store = Stores.open(StoreConfig.sqlite(dir))) {
          runCases(store, "SQLite");
        }
      } finally {
        TempDirs.delete(dir);
      }
    }
    if (postgres) {
      try (ThrowawayPostgres db = new ThrowawayPostgres()) {
        out.println();
        out.println("### Store appends: " + db.describeServer());
        try (Store store = Stores.open(StoreConfig.postgres(db.jdbcUrl()))) {
          runCases(store, "PostgreSQL");
        }
      }
    }
  }

  private void runCases(Store store, String backend) throws InterruptedException {
    Latency.header(out, backend + " case");
    for (Case c : CASES) {
      runCase(store, c);
    }
  }

  private void runCase(Store store, Case c) throws InterruptedException {
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < c.sessions(); i++) {
      sessions.add(store.sessions().create(session(), List.of()).id());
    }
    long start = System.nanoTime();
    long measureStart = start + warmup.toNanos();
    long measureEnd = measureStart + measure.toNanos();
    List<Histogram> parts = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(c.threads());
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < c.threads(); t++) {
      String sessionId = sessions.get(t % sessions.size());
      Histogram h = Latency.histogram();
      parts.add(h);
      threads.add(
          Thread.ofPlatform()
              .name("appender-" + t)
              .daemon()
              .start(
                  () -> {
                    try {
                      while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= measureEnd) {
                          break;
                        }
                        store
                            .events()
                            .append(
                                sessionId,
                                List.of(EventDraft.of("agent.message", PAYLOAD, Instant.now())));
                        long t1 = System.nanoTime();
                        if (t0 >= measureStart && t1 <= measureEnd) {
                          Latency.record(h, t1 - t0);
                        }
                      }
                    } catch (Throwable e) {
                      failure.compareAndSet(null, e);
                    } finally {
                      done.countDown();
                    }
                  }));
    }
    done.await();
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw new IllegalStateException(c.name() + " failed", failure.get());
    }
    Histogram all = Latency.merge(parts);
    Latency.row(out, c.name(), all, measure.toNanos() / 1e9);
    // Sanity check: the log has no gap, whatever the concurrency.
    long logged = 0;
    for (String s : sessions) {
      logged += store.events().lastSeq(s);
    }
    if (logged < all.getTotalCount()) {
      throw new IllegalStateException("the store lost events: " + logged);
    }
  }

  static Session session() {
    Instant now = Instant.now();
    AgentSpec spec =
        new AgentSpec(
            "bench",
            "an agent for benchmarks",
            "You are a benchmark.",
            new ModelConfig("claude-sonnet-4-6", new ModelConfig.Effort("high"), null, null),
            List.of(),
            List.of(),
            List.of(),
            Map.of(),
            null,
            null);
    Agent agent = new Agent(Ids.next(IdKind.AGENT), 1, spec, now, now, null);
    return new Session(
        Ids.next(IdKind.SESSION),
        "bench",
        SessionStatus.IDLE,
        Ids.next(IdKind.ENVIRONMENT),
        agent,
        Map.of(),
        List.of(),
        List.of(),
        SessionUsage.ZERO,
        now,
        now,
        null,
        null);
  }

  private static String payload(int bytes) {
    String head = "{\"content\":[{\"type\":\"text\",\"text\":\"";
    String tail = "\"}]}";
    return head + "x".repeat(Math.max(0, bytes - head.length() - tail.length())) + tail;
  }
}
