package dev.agentry.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.agentry.core.Deployment;
import dev.agentry.core.DeploymentRepository.RunFilter;
import dev.agentry.core.DeploymentRun;
import dev.agentry.core.PageRequest;
import dev.agentry.core.SortOrder;
import dev.agentry.core.Store;
import dev.agentry.core.TimeRange;
import dev.agentry.core.WebhookEvent;
import dev.agentry.core.Workspace;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import dev.agentry.testkit.DeploymentContract;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler on SQLite and a fake clock: when it fires, what it records, what it skips. */
class DeploymentSchedulerTest {
  private static final Instant START = Instant.parse("2026-06-01T12:00:30Z");
  private static final Duration MISSED_AFTER = Duration.ofSeconds(60);

  @TempDir Path dir;
  private Store store;
  private final MutableClock clock = new MutableClock(START);
  private final CountingLauncher launcher = new CountingLauncher();
  private final List<WebhookEvent> published = new CopyOnWriteArrayList<>();
  private DeploymentRuns runs;
  private DeploymentScheduler scheduler;

  @BeforeEach
  void open() {
    store = Stores.open(StoreConfig.sqlite(dir.resolve("data")));
    runs = new DeploymentRuns(store.deployments(), launcher, clock, published::add);
    scheduler = new DeploymentScheduler(store.deployments(), runs, clock, MISSED_AFTER);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private Deployment hourly(String expression) {
    Deployment d = DeploymentContract.deployment(Workspace.DEFAULT_ID, "agent_a", null);
    Deployment.Schedule schedule = new Deployment.Schedule(expression, "America/New_York");
    return store
        .deployments()
        .create(
            new Deployment(
                d.id(),
                d.workspaceId(),
                d.name(),
                d.description(),
                d.metadata(),
                d.template(),
                schedule,
                Deployment.Status.ACTIVE,
                null,
                DeploymentStates.firstAfter(schedule, clock.instant()),
                null,
                d.createdAt(),
                d.updatedAt(),
                null));
  }

  private List<DeploymentRun> runsOf(Deployment d) {
    return store
        .deployments()
        .listRuns(
            Workspace.DEFAULT_ID,
            new RunFilter(d.id(), null, null, TimeRange.ALL),
            PageRequest.first(100, SortOrder.ASC))
        .items();
  }

  private Deployment reload(Deployment d) {
    return store.deployments().find(d.id()).orElseThrow();
  }

  @Test
  void anOccurrenceFiresOnceWithinTheJitterAndMovesToTheNext() {
    Deployment d = hourly("0 * * * *");
    Instant occurrence = Instant.parse("2026-06-01T13:00:00Z");
    assertThat(d.nextRunAt()).isEqualTo(occurrence);

    clock.set(occurrence.minusSeconds(1));
    assertThat(scheduler.tick()).isEmpty();
    Duration jitter = DeploymentScheduler.jitter(d.id(), occurrence);
    if (!jitter.isZero()) {
      clock.set(occurrence.plus(jitter).minusMillis(1));
      assertThat(scheduler.tick()).isEmpty();
    }
    clock.set(occurrence.plus(DeploymentScheduler.MAX_JITTER));
    List<DeploymentRun> fired = scheduler.tick();
    assertThat(scheduler.tick()).isEmpty();

    assertThat(fired).hasSize(1);
    DeploymentRun run = fired.getFirst();
    assertThat(run.scheduledAt()).isEqualTo(occurrence);
    assertThat(run.sessionId()).isEqualTo("sesn_1");
    assertThat(run.error()).isNull();
    assertThat(runsOf(d)).containsExactly(run);
    assertThat(launcher.launched).containsExactly(d.id());
    Deployment after = reload(d);
    assertThat(after.nextRunAt()).isEqualTo(occurrence.plusSeconds(3600));
    assertThat(after.lastRunAt()).isEqualTo(occurrence.plus(DeploymentScheduler.MAX_JITTER));
    assertThat(published)
        .extracting(WebhookEvent::type, WebhookEvent::resourceId, WebhookEvent::relatedId)
        .containsExactly(
            tuple("deployment_run.started", run.id(), d.id()),
            tuple("deployment_run.succeeded", run.id(), d.id()));
  }

  @Test
  void jitter_isAtMostTenSecondsAndTheSameOnEveryNode() {
    Instant occurrence = Instant.parse("2026-06-01T13:00:00Z");
    for (int i = 0; i < 200; i++) {
      Duration j = DeploymentScheduler.jitter("depl_" + i, occurrence);
      assertThat(j).isBetween(Duration.ZERO, DeploymentScheduler.MAX_JITTER);
      assertThat(DeploymentScheduler.jitter("depl_" + i, occurrence)).isEqualTo(j);
    }
  }

  @Test
  void occurrencesMissedWhileNoNodeRan_areRecordedAsMissed_andTheCurrentOneFires() {
    Deployment d = hourly("0 * * * *");
    // Every node was down from 12:00:30 until 15:00:10: 13:00 and 14:00 passed unseen.
    clock.set(Instant.parse("2026-06-01T15:00:10Z"));
    List<DeploymentRun> fired = scheduler.tick();

    assertThat(fired)
        .extracting(DeploymentRun::scheduledAt)
        .containsExactly(
            Instant.parse("2026-06-01T13:00:00Z"),
            Instant.parse("2026-06-01T14:00:00Z"),
            Instant.parse("2026-06-01T15:00:00Z"));
    assertThat(fired.get(0).error().type()).isEqualTo(RunErrors.SERVICE_UNAVAILABLE);
    assertThat(fired.get(0).error().message()).startsWith("missed:");
    assertThat(fired.get(1).error().type()).isEqualTo(RunErrors.SERVICE_UNAVAILABLE);
    assertThat(fired.get(2).error()).isNull();
    assertThat(fired.get(2).sessionId()).isNotNull();
    assertThat(launcher.launched).hasSize(1);
    assertThat(runsOf(d)).hasSize(3);
    // Missed runs are failures, not pauses: the deployment goes on.
    assertThat(reload(d).status()).isEqualTo(Deployment.Status.ACTIVE);
  }

  @Test
  void pause_stopsTheSchedule_andUnpauseDoesNotBackfill() {
    Deployment d = hourly("0 * * * *");
    store
        .deployments()
        .update(d.id(), x -> DeploymentStates.paused(x, Deployment.PausedReason.MANUAL, START));
    clock.set(Instant.parse("2026-06-01T16:30:00Z"));
    assertThat(scheduler.tick()).isEmpty();

    Deployment unpaused =
        store.deployments().update(d.id(), x -> DeploymentStates.unpaused(x, clock.instant()));
    assertThat(unpaused.pausedReason()).isNull();
    assertThat(unpaused.nextRunAt()).isEqualTo(Instant.parse("2026-06-01T17:00:00Z"));
    assertThat(scheduler.tick()).isEmpty();
    assertThat(runsOf(d)).isEmpty();

    clock.set(Instant.parse("2026-06-01T17:00:10Z"));
    assertThat(scheduler.tick()).hasSize(1);
    assertThat(runsOf(d))
        .extracting(DeploymentRun::scheduledAt)
        .containsExactly(Instant.parse("2026-06-01T17:00:00Z"));
  }

  @Test
  void aNonRecoverableFailure_isRecordedAndPausesTheDeployment() {
    Deployment d = hourly("0 * * * *");
    launcher.failWith.set(
        SessionLauncher.Launch.failed(RunErrors.ENVIRONMENT_ARCHIVED, "env_a is archived"));
    clock.set(Instant.parse("2026-06-01T13:00:10Z"));
    DeploymentRun run = scheduler.tick().getFirst();

    assertThat(run.error())
        .isEqualTo(new DeploymentRun.RunError(RunErrors.ENVIRONMENT_ARCHIVED, "env_a is archived"));
    assertThat(run.sessionId()).isNull();
    Deployment paused = reload(d);
    assertThat(paused.status()).isEqualTo(Deployment.Status.PAUSED);
    assertThat(paused.pausedReason().type()).isEqualTo("error");
    assertThat(paused.pausedReason().error().type()).isEqualTo(RunErrors.ENVIRONMENT_ARCHIVED);
    assertThat(paused.nextRunAt()).isNull();
    assertThat(paused.archivedAt()).isNull();
    assertThat(published)
        .extracting(WebhookEvent::type)
        .containsExactly("deployment_run.started", "deployment_run.failed", "deployment.paused");
    clock.set(Instant.parse("2026-06-01T14:00:10Z"));
    assertThat(scheduler.tick()).isEmpty();
  }

  @Test
  void anArchivedAgent_archivesTheDeployment() {
    Deployment d = hourly("0 * * * *");
    launcher.failWith.set(
        SessionLauncher.Launch.failed(RunErrors.AGENT_ARCHIVED, "agent agent_a is archived"));
    clock.set(Instant.parse("2026-06-01T13:00:10Z"));
    DeploymentRun run = scheduler.tick().getFirst();

    assertThat(run.error().type()).isEqualTo(RunErrors.AGENT_ARCHIVED);
    Deployment archived = reload(d);
    assertThat(archived.archivedAt()).isNotNull();
    assertThat(archived.nextRunAt()).isNull();
    assertThat(published)
        .extracting(WebhookEvent::type)
        .containsExactly("deployment_run.started", "deployment_run.failed", "deployment.archived");
    clock.set(Instant.parse("2026-06-01T14:00:10Z"));
    assertThat(scheduler.tick()).isEmpty();
  }

  @Test
  void aRateLimitedRun_isNotRetriedAndDoesNotPause() {
    Deployment d = hourly("0 * * * *");
    launcher.failWith.set(
        SessionLauncher.Launch.failed(RunErrors.SESSION_RATE_LIMITED, "too many sessions"));
    clock.set(Instant.parse("2026-06-01T13:00:10Z"));
    assertThat(scheduler.tick()).hasSize(1);
    assertThat(scheduler.tick()).isEmpty();
    assertThat(reload(d).status()).isEqualTo(Deployment.Status.ACTIVE);
    launcher.failWith.set(null);
    clock.set(Instant.parse("2026-06-01T14:00:10Z"));
    assertThat(scheduler.tick().getFirst().sessionId()).isNotNull();
  }

  @Test
  void aManualRun_worksWhilePaused_andLeavesTheScheduleAlone() {
    Deployment d = hourly("0 * * * *");
    Deployment paused =
        store
            .deployments()
            .update(d.id(), x -> DeploymentStates.paused(x, Deployment.PausedReason.MANUAL, START));
    DeploymentRun run = runs.manual(paused);
    assertThat(run.manual()).isTrue();
    assertThat(run.sessionId()).isEqualTo("sesn_1");
    Deployment after = reload(d);
    assertThat(after.status()).isEqualTo(Deployment.Status.PAUSED);
    assertThat(after.lastRunAt()).isEqualTo(START);
    assertThat(runsOf(d)).containsExactly(run);
    assertThat(published).as("a manual run reports no deployment_run events").isEmpty();
  }

  @Test
  void aRunWhoseNodeDiedBeforeItsSession_isClosedAsUnavailable_andNotFiredAgain() {
    Deployment d = hourly("0 * * * *");
    Instant occurrence = d.nextRunAt();
    // A node claimed the occurrence and died before making the session.
    DeploymentRun orphan = runs.pending(d, occurrence, occurrence);
    store
        .deployments()
        .claim(
            d.id(),
            occurrence,
            x -> x.ranAt(occurrence.plusSeconds(3600), occurrence),
            List.of(orphan));
    clock.set(occurrence.plus(DeploymentScheduler.STALLED_AFTER).minusSeconds(1));
    scheduler.tick();
    assertThat(runsOf(d).getFirst().error()).isNull();
    clock.set(occurrence.plus(DeploymentScheduler.STALLED_AFTER).plusSeconds(1));
    scheduler.tick();
    DeploymentRun closed =
        runsOf(d).stream().filter(r -> r.id().equals(orphan.id())).findFirst().orElseThrow();
    assertThat(closed.error().type()).isEqualTo(RunErrors.SERVICE_UNAVAILABLE);
    assertThat(runsOf(d)).extracting(DeploymentRun::scheduledAt).doesNotHaveDuplicates();
    assertThat(launcher.launched).isEmpty();
  }

  @Test
  void springForward_theSkippedLocalTimeDoesNotFire() {
    clock.set(Instant.parse("2026-03-07T05:00:00Z"));
    Deployment d = hourly("30 2 * * *");
    stepThrough(Instant.parse("2026-03-10T05:00:00Z"));
    assertThat(runsOf(d))
        .extracting(DeploymentRun::scheduledAt)
        .containsExactly(
            Instant.parse("2026-03-07T07:30:00Z"), // 02:30 EST
            Instant.parse("2026-03-09T06:30:00Z")); // 02:30 EDT; on 03-08 02:30 never existed
    assertThat(runsOf(d)).allSatisfy(r -> assertThat(r.error()).isNull());
  }

  @Test
  void fallBack_theRepeatedLocalTimeFiresTwice() {
    clock.set(Instant.parse("2026-10-31T12:00:00Z"));
    Deployment d = hourly("30 1 * * *");
    stepThrough(Instant.parse("2026-11-02T12:00:00Z"));
    assertThat(runsOf(d))
        .extracting(DeploymentRun::scheduledAt)
        .containsExactly(
            Instant.parse("2026-11-01T05:30:00Z"), // 01:30 EDT
            Instant.parse("2026-11-01T06:30:00Z"), // 01:30 EST, an hour later
            Instant.parse("2026-11-02T06:30:00Z"));
    assertThat(runsOf(d)).allSatisfy(r -> assertThat(r.error()).isNull());
    assertThat(launcher.launched).hasSize(3);
  }

  /** Ticks every 15 seconds of fake time up to {@code end}, as a live node would. */
  private void stepThrough(Instant end) {
    while (clock.instant().isBefore(end)) {
      clock.advance(Duration.ofSeconds(15));
      scheduler.tick();
    }
  }
}
