package dev.agentry.worker;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A worker as a process's main work: runs it, and on SIGTERM (or any JVM shutdown) drains it —
 * stops polling, lets the running calls finish and post, stops the items — and exits 0.
 */
public final class WorkerProcess {
  /** How long a shutdown waits for running calls (the longest a call may ask for is 10 min). */
  public static final Duration DRAIN_LIMIT = Duration.ofMinutes(11);

  private WorkerProcess() {}

  /**
   * Runs {@code worker} until the key is refused, polling fails for good, or the process is told to
   * stop; returns the exit code: 1 after a refusal (its message printed to {@code err}), 0 after a
   * drain (the shutdown hook halts the JVM with 0 itself, as a drained worker ended well).
   */
  public static int run(Worker worker, PrintWriter err) throws InterruptedException {
    AtomicBoolean signalled = new AtomicBoolean();
    Thread drain =
        new Thread(
            () -> {
              signalled.set(true);
              worker.drain();
              try {
                worker.awaitFinished(DRAIN_LIMIT);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              worker.close();
              err.flush();
              // Not the 143 of a JVM ended by SIGTERM: the drain finished what it had.
              Runtime.getRuntime().halt(0);
            },
            "agentry-worker-drain");
    Runtime.getRuntime().addShutdownHook(drain);
    try {
      worker.run();
      return 0;
    } catch (WorkerException e) {
      err.println("agentry worker: " + e.getMessage());
      return 1;
    } finally {
      if (!signalled.get()) {
        try {
          Runtime.getRuntime().removeShutdownHook(drain);
        } catch (IllegalStateException e) {
          // the JVM is shutting down already: the hook drains, closes and exits
        }
        worker.close();
      }
      err.flush();
    }
  }
}
