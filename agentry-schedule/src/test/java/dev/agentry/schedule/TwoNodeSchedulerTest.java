package dev.agentry.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.Deployment;
import dev.agentry.core.DeploymentRepository.RunFilter;
import dev.agentry.core.DeploymentRun;
import dev.agentry.core.PageRequest;
import dev.agentry.core.SortOrder;
import dev.agentry.core.Store;
import dev.agentry.core.TimeRange;
import dev.agentry.core.Workspace;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import dev.agentry.testkit.DeploymentContract;
import dev.agentry.testkit.PostgresTestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two nodes (two stores, two schedulers, one PostgreSQL database) tick at the same moment, over and
 * over: every occurrence of every deployment becomes exactly one run and one session.
 */
class TwoNodeSchedulerTest {
  @RegisterExtension static final PostgresTestDatabase DATABASE = new PostgresTestDatabase();

  private static final int DEPLOYMENTS = 10;
  private static final int OCCURRENCES = 5;

  @Test
  void twoNodesRacingEveryOccurrence_makeExactlyOneRunEach() throws Exception {
    Instant start = Instant.parse("2026-06-01T11:59:30Z");
    MutableClock clock = new MutableClock(start);
    CountingLauncher launcher = new CountingLauncher();
    try (Store a = Stores.open(StoreConfig.postgres(DATABASE.jdbcUrl()));
        Store b = Stores.open(StoreConfig.postgres(DATABASE.jdbcUrl()))) {
      DeploymentScheduler nodeA = scheduler(a, launcher, clock);
      DeploymentScheduler nodeB = scheduler(b, launcher, clock);
      Deployment.Schedule hourly = new Deployment.Schedule("0 * * * *", "America/New_York");
      List<Deployment> made = new ArrayList<>();
      for (int i = 0; i < DEPLOYMENTS; i++) {
        Deployment d = DeploymentContract.deployment(Workspace.DEFAULT_ID, "agent_a", null);
        made.add(
            a.deployments()
                .create(
                    new Deployment(
                        d.id(),
                        d.workspaceId(),
                        d.name(),
                        null,
                        d.metadata(),
                        d.template(),
                        hourly,
                        Deployment.Status.ACTIVE,
                        null,
                        DeploymentStates.firstAfter(hourly, start),
                        null,
                        d.createdAt(),
                        d.updatedAt(),
                        null)));
      }
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        for (int h = 0; h < OCCURRENCES; h++) {
          clock.set(Instant.parse("2026-06-01T12:00:10Z").plus(Duration.ofHours(h)));
          CyclicBarrier together = new CyclicBarrier(2);
          Future<List<DeploymentRun>> fa = pool.submit(() -> tickWhenBoth(together, nodeA));
          Future<List<DeploymentRun>> fb = pool.submit(() -> tickWhenBoth(together, nodeB));
          assertThat(fa.get().size() + fb.get().size()).isEqualTo(DEPLOYMENTS);
        }
      } finally {
        pool.shutdown();
      }
      assertThat(launcher.launched).hasSize(DEPLOYMENTS * OCCURRENCES);
      for (Deployment d : made) {
        List<DeploymentRun> runs =
            b.deployments()
                .listRuns(
                    Workspace.DEFAULT_ID,
                    new RunFilter(d.id(), null, null, TimeRange.ALL),
                    PageRequest.first(100, SortOrder.ASC))
                .items();
        assertThat(runs)
            .extracting(DeploymentRun::scheduledAt)
            .doesNotHaveDuplicates()
            .hasSize(OCCURRENCES);
        assertThat(runs).allSatisfy(r -> assertThat(r.sessionId()).isNotNull());
      }
    }
  }

  private static List<DeploymentRun> tickWhenBoth(CyclicBarrier together, DeploymentScheduler s)
      throws Exception {
    together.await();
    return s.tick();
  }

  private static DeploymentScheduler scheduler(
      Store store, CountingLauncher launcher, MutableClock clock) {
    return new DeploymentScheduler(
        store.deployments(),
        new DeploymentRuns(store.deployments(), launcher, clock),
        clock,
        Duration.ofSeconds(60));
  }
}
