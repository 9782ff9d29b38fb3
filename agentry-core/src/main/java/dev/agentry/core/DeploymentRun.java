package dev.agentry.core;

import java.time.Instant;

/**
 * One trigger of a deployment: a run record is written for every attempt, whether it made a session
 * ({@code sessionId}) or failed ({@code error}). While neither is set the run is starting.
 *
 * @param scheduledAt the cron occurrence it fired for; null for a manual run
 * @param agentVersion the agent version the session ran, or null if none was resolved
 */
public record DeploymentRun(
    String id,
    String deploymentId,
    String workspaceId,
    Instant scheduledAt,
    String agentId,
    Integer agentVersion,
    String sessionId,
    RunError error,
    Instant createdAt) {

  /**
   * A run's failure, typed as the Managed Agents API types it (e.g. {@code agent_archived_error}).
   */
  public record RunError(String type, String message) {}

  public boolean manual() {
    return scheduledAt == null;
  }

  public DeploymentRun finished(Integer version, String session, RunError failure) {
    return new DeploymentRun(
        id,
        deploymentId,
        workspaceId,
        scheduledAt,
        agentId,
        version == null ? agentVersion : version,
        session,
        failure,
        createdAt);
  }
}
