package dev.agentry.store;

import dev.agentry.core.Deployment;
import dev.agentry.core.DeploymentRepository;
import dev.agentry.core.DeploymentRun;
import dev.agentry.core.Json;
import dev.agentry.core.Page;
import dev.agentry.core.PageRequest;
import dev.agentry.core.Timestamps;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Deployments and their runs (V14), each a JSON body plus the columns that listings and the
 * scheduler filter on. A claim locks the deployment's row ({@code FOR UPDATE} on PostgreSQL; SQLite
 * has one writer), so of two nodes claiming one occurrence the second sees the moved {@code
 * next_run_at} and backs off.
 */
final class SqlDeployments extends DocRepository<Deployment> implements DeploymentRepository {
  private static final DocTable<Deployment> DEPLOYMENTS =
      new DocTable<>(
          "deployment",
          "deployments",
          List.of(
              "id",
              "agent_id",
              "status",
              "next_run_at",
              "body",
              "created_at",
              "updated_at",
              "archived_at"),
          d ->
              new Object[] {
                d.id(),
                d.agentId(),
                d.status().wire(),
                Rows.micros(d.nextRunAt()),
                Json.write(d),
                Rows.micros(d.createdAt()),
                Rows.micros(d.updatedAt()),
                Rows.micros(d.archivedAt())
              },
          Deployment::id,
          "body",
          rs -> Json.read(rs.getString(1), Deployment.class));

  private static final DocTable<DeploymentRun> RUNS =
      new DocTable<>(
          "deployment run",
          "deployment_runs",
          List.of(
              "id",
              "deployment_id",
              "workspace_id",
              "scheduled_at",
              "has_error",
              "finished",
              "body",
              "created_at"),
          r ->
              new Object[] {
                r.id(),
                r.deploymentId(),
                r.workspaceId(),
                Rows.micros(r.scheduledAt()),
                r.error() == null ? 0 : 1,
                r.error() == null && r.sessionId() == null ? 0 : 1,
                Json.write(r),
                Rows.micros(r.createdAt())
              },
          DeploymentRun::id,
          "body",
          rs -> Json.read(rs.getString(1), DeploymentRun.class));

  SqlDeployments(Database db) {
    super(db, DEPLOYMENTS);
  }

  @Override
  public Deployment create(Deployment deployment) {
    return create(deployment.workspaceId(), deployment);
  }

  @Override
  public Page<Deployment> list(String workspaceId, Filter filter, PageRequest page) {
    return db.read(
        tx -> {
          Query q = DEPLOYMENTS.select().and("workspace_id = ?", workspaceId);
          if (filter.agentId() != null) {
            q.and("agent_id = ?", filter.agentId());
          }
          if (filter.status() != null) {
            q.and("status = ?", filter.status().wire());
          }
          return DEPLOYMENTS.list(tx, q.resource("", filter.resource()), page);
        });
  }

  @Override
  public List<Deployment> due(Instant now, int limit) {
    return db.read(
        tx ->
            tx.query(
                "SELECT body FROM deployments WHERE next_run_at IS NOT NULL AND next_run_at <= ?"
                    + " AND status = 'active' AND archived_at IS NULL"
                    + " ORDER BY next_run_at LIMIT ?",
                rs -> Json.read(rs.getString(1), Deployment.class),
                Timestamps.toMicros(now),
                limit));
  }

  @Override
  public boolean claim(
      String id,
      Instant expectedNext,
      UnaryOperator<Deployment> advance,
      List<DeploymentRun> runs) {
    return db.transact(
        tx -> {
          Optional<Deployment> current = DEPLOYMENTS.find(tx, id, true);
          if (current.isEmpty()
              || current.get().status() != Deployment.Status.ACTIVE
              || current.get().archivedAt() != null
              || !Objects.equals(current.get().nextRunAt(), expectedNext)) {
            return false;
          }
          DEPLOYMENTS.rewrite(tx, id, current.get(), advance);
          for (DeploymentRun run : runs) {
            RUNS.insert(tx, run);
          }
          return true;
        });
  }

  @Override
  public DeploymentRun insertRun(DeploymentRun run) {
    return db.transact(tx -> RUNS.insert(tx, run));
  }

  @Override
  public DeploymentRun updateRun(String id, UnaryOperator<DeploymentRun> change) {
    return db.transact(tx -> RUNS.update(tx, id, change));
  }

  @Override
  public Optional<DeploymentRun> findRun(String workspaceId, String id) {
    return db.read(tx -> RUNS.find(tx, workspaceId, id));
  }

  @Override
  public List<DeploymentRun> unfinished(Instant before, int limit) {
    return db.read(
        tx ->
            tx.query(
                "SELECT body FROM deployment_runs WHERE finished = 0 AND created_at < ?"
                    + " ORDER BY created_at LIMIT ?",
                rs -> Json.read(rs.getString(1), DeploymentRun.class),
                Timestamps.toMicros(before),
                limit));
  }

  @Override
  public Page<DeploymentRun> listRuns(String workspaceId, RunFilter filter, PageRequest page) {
    return db.read(
        tx -> {
          Query q = RUNS.select().and("workspace_id = ?", workspaceId);
          if (filter.deploymentId() != null) {
            q.and("deployment_id = ?", filter.deploymentId());
          }
          if (filter.hasError() != null) {
            q.and("has_error = ?", filter.hasError() ? 1 : 0);
          }
          if (filter.manual() != null) {
            q.and(filter.manual() ? "scheduled_at IS NULL" : "scheduled_at IS NOT NULL");
          }
          return RUNS.list(tx, q.range("created_at", filter.createdAt()), page);
        });
  }
}
