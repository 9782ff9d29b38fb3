package dev.agentry.store;

import dev.agentry.core.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: one thread takes every queued write, runs up to {@code maxBatch} of them in one
 * transaction (each inside its own savepoint, or optimistically with a replay, so a failing write
 * does not take the others down), commits once and only then completes the writers' futures. Many
 * concurrent writers thus share one fsync. In an optimistic batch, consecutive appends also share
 * their statements ({@link AppendWork#runAll}).
 *
 * <p>With SQLite, a writer that finds the thread idle (nothing queued, no batch running) runs its
 * write on its own thread instead: a commit alone costs the same fsync either way, and the hand-off
 * to the writer's thread and the wake-up back (two thread switches, the larger part of a lone
 * commit's latency on a busy machine) are saved. The connection passes between the two under {@link
 * #baton}, so there is still one transaction at a time, and events are still published in commit
 * order. Under contention writes queue as before and share the thread's batches; once the thread's
 * last batch grouped several writes, callers queue even when they find it idle, so that a lone
 * commit does not cost the batch behind it a second fsync.
 */
final class Writer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Writer.class);
  private static final Job<Void> STOP = new Job<>(null, null);
  private static final long GATHER_NANOS = 100_000;

  /**
   * Where the writer's connection comes from; the writer keeps it (and its prepared statements)
   * until a batch fails, then asks for a new one.
   */
  @FunctionalInterface
  interface Connections {
    Connection acquire() throws SQLException;
  }

  private record Job<T>(SqlWork<T> work, CompletableFuture<T> future) {
    void complete(Object value) {
      @SuppressWarnings("unchecked") // the value is what this job's own work returned
      T result = (T) value;
      future.complete(result);
    }
  }

  private final BlockingQueue<Job<?>> queue = new LinkedBlockingQueue<>();
  private final Connections connections;
  private final Dialect dialect;
  private final int maxBatch;
  private final boolean savepoints;
  private final Thread thread;
  private final Map<String, PreparedStatement> statements = new HashMap<>();
  private Connection connection;
  private boolean closed;

  /** Held by whoever uses the connection: the writer's thread for a batch, or an idle caller. */
  private final ReentrantLock baton = new ReentrantLock();

  /**
   * The thread has taken work and is about to run it: callers queue rather than go first, so a
   * batch waits for at most the one write that took the baton before it.
   */
  private volatile boolean busy;

  /**
   * Whether the thread's last batch had more than one write: writers are contending, and a caller
   * that committed alone would cost the batch behind it a second fsync, so callers queue until the
   * batches are down to one write again.
   */
  private volatile boolean contended;

  /** Whether an idle writer's caller may run its write on its own thread. */
  private final boolean callerMayRun;

  /**
   * @param savepoints whether each write gets a savepoint; without, a batch runs optimistically and
   *     is replayed write by write if one fails (cheaper where a savepoint is a network round trip)
   * @param callerMayRun whether a caller that finds the writer idle runs its write itself: only
   *     where the connection makes no network I/O (SQLite), which an interrupt of a virtual caller
   *     would break (it closes the socket), leaving the commit's outcome unknown
   */
  Writer(
      String name,
      Connections connections,
      Dialect dialect,
      int maxBatch,
      boolean savepoints,
      boolean callerMayRun) {
    this.callerMayRun = callerMayRun;
    this.savepoints = savepoints;
    this.connections = connections;
    this.dialect = dialect;
    this.maxBatch = maxBatch;
    this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::loop);
    thread.start();
  }

  /** Runs {@code work} in the next batch and returns its result once the batch is committed. */
  <T> T submit(SqlWork<T> work) {
    if (Thread.currentThread() == thread || baton.isHeldByCurrentThread()) {
      throw new IllegalStateException("a write task cannot wait for another write");
    }
    CompletableFuture<T> future = new CompletableFuture<>();
    Job<T> job = new Job<>(work, future);
    boolean here;
    synchronized (this) {
      if (closed) {
        throw new StoreException("the store is closed");
      }
      // Idle: nothing waits for the thread and no batch is running (the thread holds the baton).
      here = callerMayRun && !contended && !busy && queue.isEmpty() && baton.tryLock();
      if (!here) {
        queue.add(job);
      }
    }
    if (here) {
      try {
        runSafely(List.of(job));
      } finally {
        baton.unlock();
      }
    }
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new StoreException("write failed", e.getCause());
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(STOP);
    }
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits up to {@link #GATHER_NANOS} for the batch to grow to {@code expected} jobs. The writers
   * the last commit released usually write again at once, but on few cores they may not have run
   * yet when the writer looks; without this wait the batches alternate between a few stragglers and
   * everyone else, and every other commit (and fsync) is spent on a handful of events.
   */
  private void gather(List<Job<?>> batch, int expected) {
    if (batch.size() >= expected) {
      return;
    }
    long deadline = System.nanoTime() + GATHER_NANOS;
    while (batch.size() < expected
        && batch.get(batch.size() - 1) != STOP
        && System.nanoTime() < deadline) {
      Thread.yield();
      queue.drainTo(batch, maxBatch - batch.size());
    }
  }

  private void loop() {
    List<Job<?>> batch = new ArrayList<>(maxBatch);
    int lastBatch = 1;
    boolean stop = false;
    while (!stop) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        break;
      }
      busy = true;
      baton.lock(); // a caller may still be committing alone: what queued meanwhile joins
      try {
        queue.drainTo(batch, maxBatch - 1);
        gather(batch, Math.min(lastBatch, maxBatch));
        lastBatch = batch.size();
        contended = lastBatch > 1;
        if (batch.get(batch.size() - 1) == STOP) {
          batch.remove(batch.size() - 1);
          stop = true;
        }
        if (!batch.isEmpty()) {
          runSafely(batch);
        }
      } finally {
        baton.unlock();
      }
      busy = false;
      batch.clear();
    }
    baton.lock();
    try {
      discardConnection();
    } finally {
      baton.unlock();
    }
  }

  /** Runs a batch under the baton; whatever breaks, its writers do not hang. */
  private void runSafely(List<Job<?>> batch) {
    try {
      runBatch(batch);
    } catch (RuntimeException | Error e) {
      // Whatever broke, the writers waiting on this batch must not hang and the thread must live
      // on for the next one.
      LOG.error("a write batch failed unexpectedly", e);
      StoreException failure = new StoreException("write failed unexpectedly", e);
      batch.forEach(job -> job.future().completeExceptionally(failure));
      discardConnection();
    }
  }

  private void runBatch(List<Job<?>> jobs) {
    if (jobs.size() == 1 || savepoints) {
      runTogether(jobs, jobs.size() > 1);
    } else if (!runTogether(jobs, false)) {
      // The optimistic batch failed: replay each write alone so that only the failing one fails.
      for (Job<?> job : jobs) {
        runTogether(List.of(job), false);
      }
    }
  }

  /**
   * Runs {@code jobs} in one transaction and completes them, unless a job fails in a batch without
   * savepoints: then the batch is rolled back, nothing is completed, and it returns false.
   */
  private boolean runTogether(List<Job<?>> jobs, boolean useSavepoints) {
    Object[] results = new Object[jobs.size()];
    Throwable[] errors = new Throwable[jobs.size()];
    Tx tx;
    try {
      tx = new Tx(connection(), statements, dialect);
    } catch (SQLException e) {
      failAll(jobs, errors, Dialect.wrap("opening the write connection", e));
      discardConnection();
      return true;
    }
    boolean isolated = jobs.size() == 1;
    int succeeded = 0;
    try {
      for (int i = 0; i < jobs.size(); i++) {
        int end = useSavepoints ? i + 1 : groupEnd(jobs, i);
        if (end - i > 1) {
          // A run of appends goes in one go; if it fails, the batch is replayed job by job.
          List<AppendWork> group = new ArrayList<>(end - i);
          for (int j = i; j < end; j++) {
            group.add((AppendWork) jobs.get(j).work());
          }
          try {
            List<?> events = AppendWork.runAll(tx, group);
            for (int j = i; j < end; j++) {
              results[j] = events.get(j - i);
            }
          } catch (SQLException | RuntimeException e) {
            tx.taskDone(false);
            connection.rollback();
            tx.batchDone(false);
            return false;
          }
          tx.taskDone(true);
          succeeded += end - i;
          i = end - 1;
          continue;
        }
        Savepoint sp = useSavepoints ? connection.setSavepoint() : null;
        try {
          results[i] = jobs.get(i).work().run(tx);
          if (sp != null) {
            connection.releaseSavepoint(sp);
          }
          tx.taskDone(true);
          succeeded++;
        } catch (SQLException | RuntimeException e) {
          tx.taskDone(false);
          errors[i] = e instanceof SQLException se ? translate(se) : e;
          if (sp != null) {
            connection.rollback(sp);
          } else if (!isolated) {
            connection.rollback();
            tx.batchDone(false);
            return false;
          }
        }
      }
      if (succeeded > 0) {
        tx.sendNotices(PostgresFeed.CHANNEL);
        connection.commit();
      } else {
        connection.rollback();
      }
    } catch (SQLException e) {
      tx.batchDone(false);
      failAll(jobs, errors, Dialect.wrap("committing a write batch", e));
      discardConnection();
      return true;
    }
    tx.batchDone(true);
    for (int i = 0; i < jobs.size(); i++) {
      if (errors[i] != null) {
        jobs.get(i).future().completeExceptionally(errors[i]);
      } else {
        jobs.get(i).complete(results[i]);
      }
    }
    return true;
  }

  /** The end (exclusive) of the run of appends that may be grouped with the job at {@code from}. */
  private static int groupEnd(List<Job<?>> jobs, int from) {
    if (!(jobs.get(from).work() instanceof AppendWork first)) {
      return from + 1;
    }
    int end = from + 1;
    while (end < jobs.size()
        && jobs.get(end).work() instanceof AppendWork next
        && first.groupsWith(next)) {
      end++;
    }
    return end;
  }

  private StoreException translate(SQLException e) {
    if (dialect.isUniqueViolation(e)) {
      return new StoreException.Conflict("an object with that key already exists");
    }
    return Dialect.wrap("write", e);
  }

  private static void failAll(List<Job<?>> jobs, Throwable[] errors, StoreException failure) {
    for (int i = 0; i < jobs.size(); i++) {
      jobs.get(i).future().completeExceptionally(errors[i] != null ? errors[i] : failure);
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      connection = connections.acquire();
      connection.setAutoCommit(false);
    }
    return connection;
  }

  private void discardConnection() {
    if (connection == null) {
      return;
    }
    new Tx(connection, statements, dialect).closeStatements();
    try {
      if (!connection.getAutoCommit()) {
        connection.rollback();
      }
      connection.close();
    } catch (SQLException e) {
      LOG.debug("closing the write connection failed", e);
    }
    connection = null;
  }
}
