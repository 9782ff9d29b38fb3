package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.EventDraft;
import dev.agentry.core.LogEntry;
import dev.agentry.core.StoredEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/**
 * The journals of one run's threads write at once (docs/decisions/0033): every commit, deferred or
 * ahead of a wait, lands once under the one lease, and each journal's copy of the log is the log.
 */
class JournalThreadsTest extends HarnessTestBase {
  private static final int THREADS = 8;
  private static final int WRITES = 60;

  @Test
  void commitsOfManyThreadsAtOnce_landOnceEach_andTheSharedCopyIsTheLog() throws Exception {
    harness.close(); // the test is the only writer
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      RunLease lease =
          new RunLease(
              store, sessionId, "test", Clock.systemUTC(), Duration.ofSeconds(30), timer, () -> {});
      assertThat(lease.begin()).isTrue();
      int before = store.events().readAfter(sessionId, 0, 10_000).size();
      Journal run = new Journal(store, sessionId, Clock.systemUTC(), config().spend(), lease);
      Set<String> drafted = ConcurrentHashMap.newKeySet();
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        Journal mine = run.forThread(null);
        done.add(threads.submit(() -> write(mine, drafted)));
      }
      for (Future<?> f : done) {
        f.get();
      }
      List<StoredEvent> stored = store.events().readAfter(sessionId, 0, 10_000);
      List<String> ids = stored.stream().map(StoredEvent::id).toList();
      assertThat(ids).doesNotHaveDuplicates().containsAll(drafted);
      assertThat(ids).hasSize(before + drafted.size());
      assertThat(run.entries().stream().map(LogEntry::id).toList()).isEqualTo(ids);
      assertThat(run.durable()).isEqualTo(ids.size());
      assertThat(drafted).allMatch(run::wrote);
      lease.release();
    } finally {
      timer.shutdownNow();
    }
  }

  /** One thread's writes: some deferred, some ahead of a wait, some at once, with reads between. */
  private static void write(Journal j, Set<String> drafted) {
    for (int i = 0; i < WRITES; i++) {
      EventDraft d = Events.spanStart(Instant.now());
      drafted.add(d.id());
      switch (i % 3) {
        case 0 -> j.write(List.of(d)).defer();
        case 1 -> j.write(List.of(d)).commitAhead().join();
        default -> j.append(List.of(d));
      }
      List<LogEntry> seen = j.entries();
      assertThat(seen.stream().map(LogEntry::id)).contains(d.id());
      assertThat(j.committed()).isLessThanOrEqualTo(seen.size());
    }
    j.flush();
  }
}
