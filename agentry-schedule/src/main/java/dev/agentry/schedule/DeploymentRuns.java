package dev.agentry.schedule;

import dev.agentry.core.Deployment;
import dev.agentry.core.DeploymentRepository;
import dev.agentry.core.DeploymentRun;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Timestamps;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts runs: the run record is written first, then the session is made, then the record says
 * which session or which error. A failure that would fail every run the same way pauses the
 * deployment with the error as its reason.
 */
public final class DeploymentRuns {
  private static final Logger log = LoggerFactory.getLogger(DeploymentRuns.class);

  private final DeploymentRepository repo;
  private final SessionLauncher launcher;
  private final Clock clock;

  public DeploymentRuns(DeploymentRepository repo, SessionLauncher launcher, Clock clock) {
    this.repo = repo;
    this.launcher = launcher;
    this.clock = clock;
  }

  /** A run asked for through the API; it works while the deployment is paused. */
  public DeploymentRun manual(Deployment deployment) {
    Instant now = now();
    DeploymentRun run = repo.insertRun(pending(deployment, null, now));
    repo.update(deployment.id(), d -> d.ranAt(d.nextRunAt(), now));
    return start(deployment, run);
  }

  /** A not-yet-started run of {@code occurrence}, for the scheduler to claim. */
  DeploymentRun pending(Deployment deployment, Instant occurrence, Instant now) {
    return new DeploymentRun(
        Ids.next(IdKind.DEPLOYMENT_RUN),
        deployment.id(),
        deployment.workspaceId(),
        occurrence,
        deployment.agentId(),
        null,
        null,
        null,
        now);
  }

  /** Makes the session of a run already recorded (claimed), and records how that went. */
  DeploymentRun start(Deployment deployment, DeploymentRun run) {
    SessionLauncher.Launch launch;
    try {
      launch = launcher.launch(deployment);
    } catch (RuntimeException e) {
      log.warn("deployment {} run {} could not start a session", deployment.id(), run.id(), e);
      launch =
          SessionLauncher.Launch.failed(
              RunErrors.SERVICE_UNAVAILABLE, "the session could not be created; try again later");
    }
    SessionLauncher.Launch done = launch;
    DeploymentRun finished =
        repo.updateRun(
            run.id(), r -> r.finished(done.agentVersion(), done.sessionId(), done.error()));
    if (done.error() != null && RunErrors.pauses(done.error().type())) {
      Instant now = now();
      repo.update(
          deployment.id(),
          d ->
              d.status() == Deployment.Status.ACTIVE && d.archivedAt() == null
                  ? d.with(
                      Deployment.Status.PAUSED,
                      new Deployment.PausedReason("error", done.error()),
                      null,
                      now)
                  : d);
    }
    return finished;
  }

  private Instant now() {
    return Timestamps.truncate(clock.instant());
  }
}
