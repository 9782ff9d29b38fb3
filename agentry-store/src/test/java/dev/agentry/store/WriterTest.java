package dev.agentry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who runs a write: an idle SQLite writer's caller itself, else the writer's thread in a batch. */
class WriterTest {
  @TempDir Path dir;

  private Writer writer(boolean callerMayRun) throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("w.db");
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER NOT NULL)");
    }
    return new Writer(
        "test-writer",
        () -> DriverManager.getConnection(url),
        Dialect.SQLITE,
        64,
        false,
        callerMayRun);
  }

  private static SqlWork<Thread> insert(int n) {
    return tx -> {
      tx.update("INSERT INTO t (n) VALUES (?)", n);
      return Thread.currentThread();
    };
  }

  @Test
  void aWriteThatFindsTheWriterIdle_runsOnItsCallersThread() throws Exception {
    try (Writer w = writer(true)) {
      for (int i = 0; i < 3; i++) {
        assertThat(w.submit(insert(i))).isSameAs(Thread.currentThread());
      }
      assertThat(count(w)).isEqualTo(3);
    }
  }

  @Test
  void withoutCallerRuns_everyWriteRunsOnTheWritersThread() throws Exception {
    try (Writer w = writer(false)) {
      assertThat(w.submit(insert(1))).isNotSameAs(Thread.currentThread());
    }
  }

  @Test
  void aWriteThatFindsTheConnectionInUse_waitsForTheWritersThread() throws Exception {
    try (Writer w = writer(true)) {
      CountDownLatch inside = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      Thread holder =
          Thread.ofVirtual()
              .start(
                  () ->
                      w.submit(
                          tx -> {
                            inside.countDown();
                            try {
                              release.await();
                            } catch (InterruptedException e) {
                              throw new java.sql.SQLException(e);
                            }
                            return null;
                          }));
      inside.await();
      Thread[] ranOn = {null};
      Thread queued = Thread.ofVirtual().start(() -> ranOn[0] = w.submit(insert(7)));
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (queued.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
        Thread.onSpinWait(); // until the second write waits for its batch
      }
      assertThat(queued.getState()).isEqualTo(Thread.State.WAITING);
      release.countDown();
      queued.join();
      holder.join();
      assertThat(ranOn[0]).isNotSameAs(queued).matches(t -> !t.isVirtual());
      assertThat(count(w)).isEqualTo(1);
    }
  }

  @Test
  void afterABatchOfSeveral_writesQueueForTheThreadUntilItsBatchesAreSingleAgain()
      throws Exception {
    try (Writer w = writer(true)) {
      CountDownLatch inside = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      Thread holder =
          Thread.ofVirtual()
              .start(
                  () ->
                      w.submit(
                          tx -> {
                            inside.countDown();
                            try {
                              release.await();
                            } catch (InterruptedException e) {
                              throw new java.sql.SQLException(e);
                            }
                            return null;
                          }));
      inside.await();
      List<Thread> queued = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        int n = i;
        queued.add(Thread.ofVirtual().start(() -> w.submit(insert(n))));
      }
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (queued.stream().anyMatch(t -> t.getState() != Thread.State.WAITING)
          && System.nanoTime() < deadline) {
        Thread.onSpinWait(); // until both wait for the thread's batch
      }
      release.countDown();
      holder.join();
      for (Thread t : queued) {
        t.join();
      }
      // The thread's last batch held both: a lone write now goes through the thread too ...
      assertThat(w.submit(insert(3))).isNotSameAs(Thread.currentThread());
      // ... which ran it alone, so writes run here again once it is idle (a write right after the
      // batch may still find it finishing up and queue).
      int n = 4;
      while (w.submit(insert(n)) != Thread.currentThread() && n < 1000) {
        n++;
      }
      assertThat(n).isLessThan(1000);
      assertThat(count(w)).isEqualTo(n);
    }
  }

  @Test
  void manyConcurrentWriters_eachCommittedOnce() throws Exception {
    try (Writer w = writer(true);
        ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Thread>> all = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        all.add(ex.submit(insertTask(w, i)));
      }
      for (Future<Thread> f : all) {
        f.get();
      }
      assertThat(count(w)).isEqualTo(400);
    }
  }

  private static java.util.concurrent.Callable<Thread> insertTask(Writer w, int n) {
    return () -> w.submit(insert(n));
  }

  private static long count(Writer w) {
    return w.submit(tx -> tx.query("SELECT count(*) FROM t", rs -> rs.getLong(1)).getFirst());
  }
}
