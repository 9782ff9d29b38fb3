package dev.agentry.core;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Deployments and their runs. The methods that take a {@code workspaceId} see only that workspace's
 * rows. {@link #claim} is the one place where an occurrence becomes a run: it is what makes a
 * schedule fire once across every node that shares the database.
 */
public interface DeploymentRepository {
  Deployment create(Deployment deployment);

  Optional<Deployment> find(String id);

  Optional<Deployment> find(String workspaceId, String id);

  /**
   * @throws StoreException.NotFound if there is no such deployment
   */
  Deployment update(String id, UnaryOperator<Deployment> change);

  Page<Deployment> list(String workspaceId, Filter filter, PageRequest page);

  /**
   * Active, unarchived deployments whose {@code nextRunAt} is at or before {@code now}, earliest
   * first.
   */
  List<Deployment> due(Instant now, int limit);

  /**
   * In one transaction: locks the deployment, and only if it is still active, unarchived and its
   * {@code nextRunAt} is still {@code expectedNext}, applies {@code advance} (which moves {@code
   * nextRunAt} on) and inserts {@code runs}. Returns false, writing nothing, when another node (or
   * a pause, an update, an archive) got there first.
   */
  boolean claim(
      String id, Instant expectedNext, UnaryOperator<Deployment> advance, List<DeploymentRun> runs);

  /** Inserts a run outside any claim (a manual run). */
  DeploymentRun insertRun(DeploymentRun run);

  /**
   * @throws StoreException.NotFound if there is no such run
   */
  DeploymentRun updateRun(String id, UnaryOperator<DeploymentRun> change);

  Optional<DeploymentRun> findRun(String workspaceId, String id);

  /**
   * Runs created before {@code before} that have neither a session nor an error, oldest first: the
   * node that claimed them stopped before it made their session.
   */
  List<DeploymentRun> unfinished(Instant before, int limit);

  Page<DeploymentRun> listRuns(String workspaceId, RunFilter filter, PageRequest page);

  /**
   * @param agentId only this agent's deployments, or null
   * @param status only this status, or null
   */
  record Filter(String agentId, Deployment.Status status, ResourceFilter resource) {}

  /**
   * @param deploymentId only this deployment's runs, or null
   * @param hasError only failed (true) or only not failed (false) runs, or null for both
   * @param manual only manual (true) or only scheduled (false) runs, or null for both
   */
  record RunFilter(String deploymentId, Boolean hasError, Boolean manual, TimeRange createdAt) {}
}
