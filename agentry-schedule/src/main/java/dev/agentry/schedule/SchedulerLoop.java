package dev.agentry.schedule;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Ticks a {@link DeploymentScheduler} on a thread of its own until closed. */
public final class SchedulerLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SchedulerLoop.class);

  private final Thread thread;

  private SchedulerLoop(Thread thread) {
    this.thread = thread;
  }

  public static SchedulerLoop start(DeploymentScheduler scheduler, Duration every) {
    Thread t =
        Thread.ofVirtual()
            .name("deployment-scheduler")
            .start(
                () -> {
                  while (!Thread.currentThread().isInterrupted()) {
                    try {
                      scheduler.tick();
                      Thread.sleep(every);
                    } catch (InterruptedException e) {
                      return;
                    } catch (RuntimeException e) {
                      log.warn("deployment scheduler tick failed", e);
                    }
                  }
                });
    return new SchedulerLoop(t);
  }

  @Override
  public void close() {
    thread.interrupt();
    try {
      thread.join(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
