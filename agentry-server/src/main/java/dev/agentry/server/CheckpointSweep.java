package dev.agentry.server;

import dev.agentry.sandbox.CheckpointCollector;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the checkpoint blob collector every {@code period} on the server's sweeper thread. Every
 * node runs it; collections on several nodes at once are safe (ADR 0049).
 */
final class CheckpointSweep implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointSweep.class);

  private final CheckpointCollector collector;
  private final IntConsumer deleted;
  private final ScheduledFuture<?> task;

  CheckpointSweep(
      CheckpointCollector collector,
      IntConsumer deleted,
      ScheduledExecutorService scheduler,
      Duration period) {
    this.collector = collector;
    this.deleted = deleted;
    long ms = period.toMillis();
    this.task = scheduler.scheduleWithFixedDelay(this::sweep, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** One collection; returns the blobs it deleted. */
  int sweep() {
    try {
      int n = collector.collect().deleted();
      deleted.accept(n);
      return n;
    } catch (RuntimeException e) {
      // the next run tries again; a database or blob store outage must not stop the schedule
      LOG.warn("collecting checkpoint blobs failed: {}", e.getMessage());
      return 0;
    }
  }

  @Override
  public void close() {
    task.cancel(false);
  }
}
