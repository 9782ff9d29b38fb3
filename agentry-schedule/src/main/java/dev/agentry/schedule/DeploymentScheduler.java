package dev.agentry.schedule;

import dev.agentry.core.Deployment;
import dev.agentry.core.DeploymentRepository;
import dev.agentry.core.DeploymentRun;
import dev.agentry.core.StoreException;
import dev.agentry.core.Timestamps;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires deployments' cron occurrences. Every node runs one; each {@link #tick} claims the due
 * occurrences in the database ({@link DeploymentRepository#claim}), so an occurrence becomes
 * exactly one run whichever nodes race for it. An occurrence whose moment passed more than {@code
 * missedAfter} ago (every node was down) is recorded as a failed run, not fired late and not
 * dropped.
 */
public final class DeploymentScheduler {
  private static final Logger log = LoggerFactory.getLogger(DeploymentScheduler.class);

  /** The longest delay added to an occurrence, so that many deployments do not fire together. */
  public static final Duration MAX_JITTER = Duration.ofSeconds(10);

  /** Bounds the missed runs one claim writes; the rest follow on the next ticks. */
  private static final int MAX_MISSED_PER_CLAIM = 500;

  private static final int DUE_PER_TICK = 100;

  /**
   * How long a claimed run may go without a session or an error before it is taken for one whose
   * node died (making a session can take a while: repositories are cloned first).
   */
  static final Duration STALLED_AFTER = Duration.ofMinutes(15);

  private final DeploymentRepository repo;
  private final DeploymentRuns runs;
  private final Clock clock;
  private final Duration missedAfter;

  public DeploymentScheduler(
      DeploymentRepository repo, DeploymentRuns runs, Clock clock, Duration missedAfter) {
    this.repo = repo;
    this.runs = runs;
    this.clock = clock;
    this.missedAfter = missedAfter;
  }

  /** Claims and starts what is due now; returns the runs this node claimed (missed ones too). */
  public List<DeploymentRun> tick() {
    Instant now = Timestamps.truncate(clock.instant());
    List<DeploymentRun> claimed = new ArrayList<>();
    for (Deployment d : repo.due(now, DUE_PER_TICK)) {
      try {
        claimed.addAll(fire(d, now));
      } catch (RuntimeException e) {
        log.warn("deployment {}: its due occurrence could not be fired", d.id(), e);
      }
    }
    closeStalled(now);
    return claimed;
  }

  /**
   * Records the runs whose node stopped between their claim and their session as failed; the
   * occurrence is not fired again (another node may yet be making its session).
   */
  private void closeStalled(Instant now) {
    for (DeploymentRun stalled : repo.unfinished(now.minus(STALLED_AFTER), DUE_PER_TICK)) {
      repo.updateRun(
          stalled.id(),
          r ->
              r.sessionId() != null || r.error() != null
                  ? r
                  : r.finished(
                      null,
                      null,
                      new DeploymentRun.RunError(
                          RunErrors.SERVICE_UNAVAILABLE,
                          "the node that claimed this run stopped before its session was made")));
    }
  }

  private List<DeploymentRun> fire(Deployment d, Instant now) {
    CronSchedule cron = CronSchedule.parse(d.schedule().expression(), d.schedule().timezone());
    List<DeploymentRun> batch = new ArrayList<>();
    DeploymentRun live = null;
    Instant occurrence = d.nextRunAt();
    while (occurrence != null && !occurrence.isAfter(now) && batch.size() < MAX_MISSED_PER_CLAIM) {
      Instant fireAt = occurrence.plus(jitter(d.id(), occurrence));
      if (now.isBefore(fireAt)) {
        break;
      }
      if (Duration.between(fireAt, now).compareTo(missedAfter) > 0) {
        batch.add(missed(runs.pending(d, occurrence, now)));
        occurrence = cron.next(occurrence).orElse(null);
        continue;
      }
      live = runs.pending(d, occurrence, now);
      batch.add(live);
      occurrence = cron.next(occurrence).orElse(null);
      break;
    }
    if (batch.isEmpty()) {
      return List.of();
    }
    Instant next = occurrence;
    Instant lastRun = live == null ? d.lastRunAt() : now;
    if (!claim(d, next, lastRun, batch)) {
      return List.of();
    }
    if (live != null) {
      DeploymentRun started = runs.start(d, live);
      batch.set(batch.size() - 1, started);
    }
    return batch;
  }

  private boolean claim(Deployment d, Instant next, Instant lastRun, List<DeploymentRun> batch) {
    try {
      return repo.claim(d.id(), d.nextRunAt(), x -> x.ranAt(next, lastRun), batch);
    } catch (StoreException.Conflict e) {
      // The unique (deployment, occurrence) index: another node's claim won.
      return false;
    }
  }

  private static DeploymentRun missed(DeploymentRun run) {
    return run.finished(
        null,
        null,
        new DeploymentRun.RunError(
            RunErrors.SERVICE_UNAVAILABLE,
            "missed: no Agentry node was running at the scheduled time "
                + Timestamps.format(run.scheduledAt())));
  }

  /**
   * The occurrence's delay, 0 to {@link #MAX_JITTER}, the same on every node (so that all agree
   * when it is due).
   */
  static Duration jitter(String deploymentId, Instant occurrence) {
    long h = deploymentId.hashCode() * 31L + occurrence.getEpochSecond();
    h ^= (h >>> 33);
    h *= 0xff51afd7ed558ccdL;
    h ^= (h >>> 33);
    return Duration.ofMillis(Math.floorMod(h, MAX_JITTER.toMillis() + 1));
  }
}
