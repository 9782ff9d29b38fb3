package dev.agentry.schedule;

import dev.agentry.core.Deployment;
import dev.agentry.core.DeploymentRepository;
import dev.agentry.core.DeploymentRun;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Timestamps;
import dev.agentry.core.WebhookEvent;
import dev.agentry.core.WebhookEvents;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts runs: the run record is written first, then the session is made, then the record says
 * which session or which error. A failure that would fail every run the same way pauses the
 * deployment with the error as its reason; an archived or deleted agent archives it.
 */
public final class DeploymentRuns {
  private static final Logger log = LoggerFactory.getLogger(DeploymentRuns.class);

  private final DeploymentRepository repo;
  private final SessionLauncher launcher;
  private final Clock clock;
  private final WebhookEvents webhooks;

  public DeploymentRuns(DeploymentRepository repo, SessionLauncher launcher, Clock clock) {
    this(repo, launcher, clock, WebhookEvents.NONE);
  }

  /**
   * With {@code webhooks} told of scheduled runs ({@code deployment_run.started}, {@code
   * .succeeded}, {@code .failed}; a manual run reports none, as the hosted service does) and of
   * pauses a failure makes.
   */
  public DeploymentRuns(
      DeploymentRepository repo, SessionLauncher launcher, Clock clock, WebhookEvents webhooks) {
    this.repo = repo;
    this.launcher = launcher;
    this.clock = clock;
    this.webhooks = webhooks;
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
    boolean scheduled = run.scheduledAt() != null;
    if (scheduled) {
      publish("deployment_run.started", run.id(), deployment, now());
    }
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
    if (scheduled) {
      publish(
          done.error() == null ? "deployment_run.succeeded" : "deployment_run.failed",
          run.id(),
          deployment,
          now());
    }
    if (done.error() != null && done.error().type().equals(RunErrors.AGENT_ARCHIVED)) {
      // Its agent is gone for good: the deployment goes with it, as on the hosted service.
      Instant now = now();
      Deployment after =
          repo.update(deployment.id(), d -> d.archivedAt() == null ? d.archived(now) : d);
      if (deployment.archivedAt() == null && after.archivedAt() != null) {
        webhooks.publish(
            new WebhookEvent(
                "deployment.archived", deployment.id(), deployment.workspaceId(), null, now));
      }
    } else if (done.error() != null && RunErrors.pauses(done.error().type())) {
      Instant now = now();
      Deployment after =
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
      if (deployment.status() == Deployment.Status.ACTIVE
          && after.status() == Deployment.Status.PAUSED) {
        webhooks.publish(
            new WebhookEvent(
                "deployment.paused", deployment.id(), deployment.workspaceId(), null, now));
      }
    }
    return finished;
  }

  private void publish(String type, String runId, Deployment deployment, Instant at) {
    webhooks.publish(new WebhookEvent(type, runId, deployment.workspaceId(), deployment.id(), at));
  }

  private Instant now() {
    return Timestamps.truncate(clock.instant());
  }
}
