package dev.agentry.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * A session template that runs on a cron schedule or on demand. {@code template} holds the session
 * fields as the API took them ({@code agent}, {@code environment_id}, {@code initial_events},
 * {@code resources}, {@code vault_ids}, {@code budget}); each run turns it into a session create.
 *
 * @param schedule null for a deployment that only runs when asked
 * @param nextRunAt the next occurrence no node has claimed yet; null while paused, archived or
 *     unscheduled. The scheduler's claim moves it forward in the same transaction that writes the
 *     occurrence's run, so two nodes cannot both fire it.
 * @param lastRunAt when the latest run (scheduled or manual) was triggered
 */
public record Deployment(
    String id,
    String workspaceId,
    String name,
    String description,
    Map<String, String> metadata,
    ObjectNode template,
    Schedule schedule,
    Status status,
    PausedReason pausedReason,
    Instant nextRunAt,
    Instant lastRunAt,
    Instant createdAt,
    Instant updatedAt,
    Instant archivedAt) {
  public Deployment {
    metadata = Map.copyOf(metadata);
  }

  public enum Status {
    ACTIVE,
    PAUSED;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * A 5-field POSIX cron {@code expression} read on the wall clock of the IANA {@code timezone}.
   */
  public record Schedule(String expression, String timezone) {}

  /**
   * Why a deployment is paused: {@code manual} (someone paused it), or {@code error} with the run
   * error that paused it.
   */
  public record PausedReason(String type, DeploymentRun.RunError error) {
    public static final PausedReason MANUAL = new PausedReason("manual", null);
  }

  /** The agent's id, whichever form {@code template.agent} takes. */
  public String agentId() {
    var agent = template.path("agent");
    return agent.isTextual() ? agent.asText() : agent.path("id").asText(null);
  }

  /**
   * The deployment after a run was triggered at {@code at}, with its next unclaimed occurrence;
   * {@code updatedAt} stays, as no one changed the deployment.
   */
  public Deployment ranAt(Instant next, Instant at) {
    return new Deployment(
        id,
        workspaceId,
        name,
        description,
        metadata,
        template,
        schedule,
        status,
        pausedReason,
        next,
        at,
        createdAt,
        updatedAt,
        archivedAt);
  }

  public Deployment with(Status status, PausedReason reason, Instant nextRunAt, Instant now) {
    return new Deployment(
        id,
        workspaceId,
        name,
        description,
        metadata,
        template,
        schedule,
        status,
        reason,
        nextRunAt,
        lastRunAt,
        createdAt,
        now,
        archivedAt);
  }

  /** The deployment archived at {@code now}: it never runs again. */
  public Deployment archived(Instant now) {
    return new Deployment(
        id,
        workspaceId,
        name,
        description,
        metadata,
        template,
        schedule,
        status,
        pausedReason,
        null,
        lastRunAt,
        createdAt,
        now,
        now);
  }
}
