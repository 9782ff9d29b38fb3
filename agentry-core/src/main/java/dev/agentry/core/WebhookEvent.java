package dev.agentry.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A change to report to webhook endpoints, as it enters the outbox: what happened ({@code type},
 * one of {@link #TYPES}), to which object, in which workspace, and when. {@code relatedId} is the
 * session thread of a {@code session.thread_*} event or the vault of a {@code vault_credential.*}
 * one, else null.
 */
public record WebhookEvent(
    String type, String resourceId, String workspaceId, String relatedId, Instant createdAt) {

  /** The event types of the Managed Agents SDK 1.16 that Agentry can report. */
  public static final Set<String> TYPES =
      Set.of(
          "session.created",
          "session.pending",
          "session.running",
          "session.idled",
          "session.requires_action",
          "session.archived",
          "session.deleted",
          "session.updated",
          "session.budget_reached",
          "session.outcome_evaluation_ended",
          "session.status_run_started",
          "session.status_idled",
          "session.status_rescheduled",
          "session.status_terminated",
          "session.thread_created",
          "session.thread_idled",
          "session.thread_terminated",
          "agent.created",
          "agent.updated",
          "agent.archived",
          "agent.deleted",
          "environment.created",
          "environment.updated",
          "environment.archived",
          "environment.deleted",
          "memory_store.created",
          "memory_store.archived",
          "memory_store.deleted",
          "vault.created",
          "vault.archived",
          "vault.deleted",
          "vault_credential.created",
          "vault_credential.archived",
          "vault_credential.deleted",
          "vault_credential.refresh_failed",
          "deployment.created",
          "deployment.updated",
          "deployment.paused",
          "deployment.unpaused",
          "deployment.archived",
          "deployment.deleted",
          "deployment_run.started",
          "deployment_run.succeeded",
          "deployment_run.failed");

  /**
   * Types of the SDK's list that Agentry never sends: it has no {@code pending} session state, and
   * a failed credential refresh is reported on the session (as an MCP error), not on the vault. An
   * endpoint that asks for them is refused rather than left waiting for what never comes.
   */
  public static final Set<String> NEVER_SENT =
      Set.of("session.pending", "vault_credential.refresh_failed");

  public WebhookEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(resourceId, "resourceId");
    Objects.requireNonNull(workspaceId, "workspaceId");
    Objects.requireNonNull(createdAt, "createdAt");
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException("not a webhook event type: " + type);
    }
  }
}
