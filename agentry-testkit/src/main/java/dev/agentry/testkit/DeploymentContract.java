package dev.agentry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Deployment;
import dev.agentry.core.DeploymentRepository;
import dev.agentry.core.DeploymentRepository.Filter;
import dev.agentry.core.DeploymentRepository.RunFilter;
import dev.agentry.core.DeploymentRun;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.PageRequest;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.SortOrder;
import dev.agentry.core.TimeRange;
import dev.agentry.core.Workspace;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Deployments and their runs ({@link DeploymentRepository}): listings, filters and the claim. */
public abstract class DeploymentContract extends StoreTestBase {
  private static final PageRequest ALL = PageRequest.first(100, SortOrder.ASC);

  private DeploymentRepository repo() {
    return store.deployments();
  }

  /** A scheduled, active deployment whose next occurrence is {@code next}. */
  public static Deployment deployment(String workspace, String agentId, Instant next) {
    Instant at = StoreFixtures.uniqueEpoch();
    ObjectNode template = Json.mapper().createObjectNode();
    template.put("agent", agentId).put("environment_id", "env_1");
    template.putArray("initial_events").addObject().put("type", "user.message");
    return new Deployment(
        Ids.next(IdKind.DEPLOYMENT),
        workspace,
        "nightly",
        null,
        Map.of("team", "infra"),
        template,
        new Deployment.Schedule("0 * * * *", "America/New_York"),
        Deployment.Status.ACTIVE,
        null,
        next,
        null,
        at,
        at,
        null);
  }

  private static DeploymentRun run(Deployment d, Instant occurrence, Instant at) {
    return new DeploymentRun(
        Ids.next(IdKind.DEPLOYMENT_RUN),
        d.id(),
        d.workspaceId(),
        occurrence,
        d.agentId(),
        null,
        null,
        null,
        at);
  }

  @Test
  void create_storesTheBodyAndFindsItOnlyInItsWorkspace() {
    Deployment d =
        repo()
            .create(
                deployment(Workspace.DEFAULT_ID, "agent_a", Instant.parse("2026-01-01T00:00:00Z")));
    assertThat(repo().find(Workspace.DEFAULT_ID, d.id())).contains(d);
    assertThat(repo().find("wrkspc_other", d.id())).isEmpty();
    assertThat(
            ids(
                repo()
                    .list("wrkspc_other", new Filter(null, null, ResourceFilter.ACTIVE), ALL)
                    .items()))
        .doesNotContain(d.id());
    assertThat(d.template().path("agent").asText()).isEqualTo("agent_a");
    assertThat(d.schedule().timezone()).isEqualTo("America/New_York");
  }

  @Test
  void list_filtersByAgentStatusAndArchived() {
    String ws = Ids.next(IdKind.WORKSPACE);
    Instant next = Instant.parse("2026-01-01T00:00:00Z");
    Deployment a = repo().create(deployment(ws, "agent_a", next));
    Deployment b = repo().create(deployment(ws, "agent_b", next));
    Deployment c = repo().create(deployment(ws, "agent_a", next));
    repo()
        .update(
            b.id(),
            d ->
                d.with(
                    Deployment.Status.PAUSED, Deployment.PausedReason.MANUAL, null, d.updatedAt()));
    repo()
        .update(
            c.id(),
            d ->
                new Deployment(
                    d.id(),
                    d.workspaceId(),
                    d.name(),
                    d.description(),
                    d.metadata(),
                    d.template(),
                    d.schedule(),
                    d.status(),
                    d.pausedReason(),
                    null,
                    d.lastRunAt(),
                    d.createdAt(),
                    d.updatedAt(),
                    d.updatedAt()));
    assertThat(ids(repo().list(ws, new Filter(null, null, ResourceFilter.ACTIVE), ALL).items()))
        .containsExactlyInAnyOrder(a.id(), b.id());
    assertThat(
            ids(repo().list(ws, new Filter("agent_a", null, ResourceFilter.ACTIVE), ALL).items()))
        .containsExactly(a.id());
    assertThat(
            ids(
                repo()
                    .list(
                        ws, new Filter(null, Deployment.Status.PAUSED, ResourceFilter.ACTIVE), ALL)
                    .items()))
        .containsExactly(b.id());
    assertThat(
            ids(
                repo()
                    .list(ws, new Filter(null, null, new ResourceFilter(true, TimeRange.ALL)), ALL)
                    .items()))
        .containsExactlyInAnyOrder(a.id(), b.id(), c.id());
    assertThat(repo().find(ws, b.id()).orElseThrow().pausedReason())
        .isEqualTo(Deployment.PausedReason.MANUAL);
  }

  @Test
  void due_isActiveUnarchivedAndAtOrBeforeNow() {
    Instant t = Instant.parse("2031-03-04T05:00:00Z");
    Deployment due = repo().create(deployment(Workspace.DEFAULT_ID, "agent_a", t));
    Deployment later =
        repo().create(deployment(Workspace.DEFAULT_ID, "agent_a", t.plusSeconds(60)));
    Deployment paused = repo().create(deployment(Workspace.DEFAULT_ID, "agent_a", t));
    repo()
        .update(
            paused.id(),
            d ->
                d.with(Deployment.Status.PAUSED, Deployment.PausedReason.MANUAL, t, d.updatedAt()));
    List<String> dueIds = ids(repo().due(t, 1000));
    assertThat(dueIds).contains(due.id()).doesNotContain(later.id(), paused.id());
  }

  @Test
  void claim_succeedsOnceForAnOccurrenceAndMovesTheCursor() {
    Instant t = Instant.parse("2026-02-02T10:00:00Z");
    Deployment d = repo().create(deployment(Workspace.DEFAULT_ID, "agent_a", t));
    Instant next = t.plusSeconds(3600);
    assertThat(repo().claim(d.id(), t, x -> x.ranAt(next, t), List.of(run(d, t, t)))).isTrue();
    assertThat(repo().claim(d.id(), t, x -> x.ranAt(next, t), List.of(run(d, t, t)))).isFalse();
    Deployment after = repo().find(d.id()).orElseThrow();
    assertThat(after.nextRunAt()).isEqualTo(next);
    assertThat(after.lastRunAt()).isEqualTo(t);
    assertThat(repo().listRuns(Workspace.DEFAULT_ID, byDeployment(d, null), ALL).items())
        .hasSize(1);
  }

  @Test
  void claim_manyRacersOnOneOccurrence_exactlyOneWins() throws Exception {
    Instant t = Instant.parse("2026-02-03T10:00:00Z");
    Deployment d = repo().create(deployment(Workspace.DEFAULT_ID, "agent_a", t));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<Boolean>> racers =
          java.util.stream.IntStream.range(0, 8)
              .<Callable<Boolean>>mapToObj(
                  i ->
                      () ->
                          repo()
                              .claim(
                                  d.id(),
                                  t,
                                  x -> x.ranAt(t.plusSeconds(60), t),
                                  List.of(run(d, t, t))))
              .toList();
      long won = 0;
      for (Future<Boolean> f : pool.invokeAll(racers)) {
        won += f.get() ? 1 : 0;
      }
      assertThat(won).isEqualTo(1);
    } finally {
      pool.shutdown();
    }
    assertThat(repo().listRuns(Workspace.DEFAULT_ID, byDeployment(d, null), ALL).items())
        .hasSize(1);
  }

  @Test
  void runs_areFilteredByErrorAndDeploymentAndUpdatedInPlace() {
    Instant t = Instant.parse("2026-02-04T10:00:00Z");
    Deployment d = repo().create(deployment(Workspace.DEFAULT_ID, "agent_a", t));
    Deployment other = repo().create(deployment(Workspace.DEFAULT_ID, "agent_a", t));
    DeploymentRun ok = repo().insertRun(run(d, null, t));
    DeploymentRun bad = repo().insertRun(run(d, t, t.plusSeconds(1)));
    repo().insertRun(run(other, null, t));
    repo().updateRun(ok.id(), r -> r.finished(3, "sesn_1", null));
    repo()
        .updateRun(
            bad.id(),
            r ->
                r.finished(null, null, new DeploymentRun.RunError("agent_archived_error", "gone")));
    assertThat(ids(repo().listRuns(Workspace.DEFAULT_ID, byDeployment(d, null), ALL).items()))
        .containsExactly(ok.id(), bad.id());
    assertThat(ids(repo().listRuns(Workspace.DEFAULT_ID, byDeployment(d, true), ALL).items()))
        .containsExactly(bad.id());
    assertThat(ids(repo().listRuns(Workspace.DEFAULT_ID, byDeployment(d, false), ALL).items()))
        .containsExactly(ok.id());
    DeploymentRun stored = repo().findRun(Workspace.DEFAULT_ID, ok.id()).orElseThrow();
    assertThat(stored.sessionId()).isEqualTo("sesn_1");
    assertThat(stored.agentVersion()).isEqualTo(3);
    assertThat(stored.manual()).isTrue();
    assertThat(repo().findRun("wrkspc_other", ok.id())).isEmpty();
    assertThat(
            ids(
                repo()
                    .listRuns(
                        Workspace.DEFAULT_ID,
                        new RunFilter(d.id(), null, false, TimeRange.ALL),
                        ALL)
                    .items()))
        .containsExactly(bad.id());
  }

  @Test
  void unfinished_areRunsWithNeitherSessionNorErrorCreatedBeforeTheCutoff() {
    Instant t = Instant.parse("2026-02-05T10:00:00Z");
    Deployment d = repo().create(deployment(Workspace.DEFAULT_ID, "agent_a", t));
    DeploymentRun stuck = repo().insertRun(run(d, t, t));
    DeploymentRun recent = repo().insertRun(run(d, null, t.plusSeconds(600)));
    DeploymentRun done = repo().insertRun(run(d, t.minusSeconds(60), t));
    repo().updateRun(done.id(), r -> r.finished(1, "sesn_9", null));
    List<String> found =
        repo().unfinished(t.plusSeconds(300), 1000).stream()
            .filter(r -> r.deploymentId().equals(d.id()))
            .map(DeploymentRun::id)
            .toList();
    assertThat(found).containsExactly(stuck.id()).doesNotContain(recent.id(), done.id());
    repo()
        .updateRun(
            stuck.id(),
            r ->
                r.finished(
                    null, null, new DeploymentRun.RunError("service_unavailable_error", "x")));
    assertThat(repo().unfinished(t.plusSeconds(300), 1000))
        .extracting(DeploymentRun::id)
        .doesNotContain(stuck.id());
  }

  private static RunFilter byDeployment(Deployment d, Boolean hasError) {
    return new RunFilter(d.id(), hasError, null, TimeRange.ALL);
  }

  private static List<String> ids(List<?> items) {
    return items.stream()
        .map(i -> i instanceof Deployment d ? d.id() : ((DeploymentRun) i).id())
        .toList();
  }
}
