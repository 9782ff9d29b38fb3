package dev.agentry.schedule;

import dev.agentry.core.Deployment;
import java.time.Instant;

/**
 * How pause, unpause and a new schedule move a deployment's next occurrence. A paused deployment
 * has none; unpausing or rescheduling starts from the first occurrence after now, so nothing missed
 * meanwhile is backfilled.
 */
public final class DeploymentStates {
  private DeploymentStates() {}

  public static Deployment paused(Deployment d, Deployment.PausedReason reason, Instant now) {
    return d.status() == Deployment.Status.PAUSED && d.pausedReason() != null
        ? d
        : d.with(Deployment.Status.PAUSED, reason, null, now);
  }

  public static Deployment unpaused(Deployment d, Instant now) {
    if (d.status() == Deployment.Status.ACTIVE) {
      return d;
    }
    return d.with(Deployment.Status.ACTIVE, null, firstAfter(d.schedule(), now), now);
  }

  /** The first occurrence after {@code now}; null without a schedule or a future occurrence. */
  public static Instant firstAfter(Deployment.Schedule schedule, Instant now) {
    if (schedule == null) {
      return null;
    }
    return CronSchedule.parse(schedule.expression(), schedule.timezone()).next(now).orElse(null);
  }
}
