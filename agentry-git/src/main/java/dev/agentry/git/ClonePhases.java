package dev.agentry.git;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JGit's progress of one clone, in the server log (a task's start and end, and at most one line
 * every {@link #EVERY} in between), and the clone's deadline: JGit asks {@link #isCancelled()}
 * between objects and files, so a clone past its deadline stops there (a stalled connection is cut
 * by the transport timeout instead).
 */
final class ClonePhases implements ProgressMonitor {
  private static final Logger LOG = LoggerFactory.getLogger(JGitCloner.class);
  static final Duration EVERY = Duration.ofSeconds(2);

  private final String url;
  private final Clock clock;
  private final Instant deadline;
  private String task = "";
  private int total;
  private int done;
  private Instant lastLog = Instant.MIN;
  private volatile boolean timedOut;

  ClonePhases(String url, Clock clock, Instant deadline) {
    this.url = url;
    this.clock = clock;
    this.deadline = deadline;
  }

  boolean timedOut() {
    return timedOut || !clock.instant().isBefore(deadline);
  }

  @Override
  public void start(int totalTasks) {}

  @Override
  public synchronized void beginTask(String title, int totalWork) {
    task = title;
    total = totalWork;
    done = 0;
    lastLog = clock.instant();
    if (!title.isBlank()) {
      LOG.info("clone of {}: {}", url, title);
    }
  }

  @Override
  public synchronized void update(int completed) {
    done += completed;
    Instant now = clock.instant();
    if (!task.isBlank() && Duration.between(lastLog, now).compareTo(EVERY) >= 0) {
      lastLog = now;
      LOG.info("clone of {}: {} {}", url, task, amount());
    }
  }

  @Override
  public synchronized void endTask() {
    if (task.isBlank()) {
      return;
    }
    LOG.info("clone of {}: {} done {}", url, task, amount());
  }

  private String amount() {
    return total == UNKNOWN || total <= 0
        ? "(" + done + ")"
        : (100L * done / total) + "% (" + done + "/" + total + ")";
  }

  @Override
  public boolean isCancelled() {
    if (!timedOut && !clock.instant().isBefore(deadline)) {
      timedOut = true;
      LOG.warn("clone of {}: past its deadline, cancelling", url);
    }
    return timedOut;
  }

  @Override
  public void showDuration(boolean enabled) {}
}
