package dev.agentry.server;

import dev.agentry.core.FileService;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes expired files and the blobs no other file shares, every {@code period}, on the server's
 * sweeper thread. Every node runs it; two nodes deleting the same file is harmless (the second
 * finds nothing).
 */
final class FileSweep implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FileSweep.class);
  private static final int BATCH = 500;

  private final FileService files;
  private final ScheduledFuture<?> task;

  FileSweep(FileService files, ScheduledExecutorService scheduler, Duration period) {
    this.files = files;
    long ms = period.toMillis();
    this.task = scheduler.scheduleWithFixedDelay(this::sweep, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Sweeps until no expired file is left; returns how many it deleted. */
  int sweep() {
    int total = 0;
    try {
      int n;
      do {
        n = files.sweepExpired(BATCH);
        total += n;
      } while (n == BATCH);
    } catch (RuntimeException e) {
      // the next run tries again; a database or store outage must not stop the schedule
      LOG.warn("sweeping expired files failed: {}", e.getMessage());
    }
    if (total > 0) {
      LOG.info("deleted {} expired files", total);
    }
    return total;
  }

  @Override
  public void close() {
    task.cancel(false);
  }
}
