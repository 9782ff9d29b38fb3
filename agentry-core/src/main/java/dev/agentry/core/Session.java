package dev.agentry.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A session: a snapshot of one agent version working in one environment, and the handle of its
 * event log. {@code title}, {@code archivedAt} and {@code budget} may be null.
 */
public record Session(
    String id,
    String title,
    SessionStatus status,
    String environmentId,
    Agent agent,
    Map<String, String> metadata,
    List<String> vaultIds,
    List<JsonNode> resources,
    SessionUsage usage,
    Instant createdAt,
    Instant updatedAt,
    Instant archivedAt,
    SessionBudget budget) {

  public Session {
    metadata = Map.copyOf(metadata);
    vaultIds = List.copyOf(vaultIds);
    resources = List.copyOf(resources);
  }

  /** A session without a budget. */
  public Session(
      String id,
      String title,
      SessionStatus status,
      String environmentId,
      Agent agent,
      Map<String, String> metadata,
      List<String> vaultIds,
      List<JsonNode> resources,
      SessionUsage usage,
      Instant createdAt,
      Instant updatedAt,
      Instant archivedAt) {
    this(
        id,
        title,
        status,
        environmentId,
        agent,
        metadata,
        vaultIds,
        resources,
        usage,
        createdAt,
        updatedAt,
        archivedAt,
        null);
  }

  public Session withUsage(SessionUsage newUsage) {
    return new Session(
        id,
        title,
        status,
        environmentId,
        agent,
        metadata,
        vaultIds,
        resources,
        newUsage,
        createdAt,
        updatedAt,
        archivedAt,
        budget);
  }

  /** The budget replaced ({@code null} removes it). */
  public Session withBudget(SessionBudget newBudget, Instant at) {
    return new Session(
        id,
        title,
        status,
        environmentId,
        agent,
        metadata,
        vaultIds,
        resources,
        usage,
        createdAt,
        at,
        archivedAt,
        newBudget);
  }

  public Session withStatus(SessionStatus next, Instant at) {
    return new Session(
        id,
        title,
        next,
        environmentId,
        agent,
        metadata,
        vaultIds,
        resources,
        usage,
        createdAt,
        at,
        archivedAt,
        budget);
  }

  public Session withDetails(String newTitle, Map<String, String> newMetadata, Instant at) {
    return new Session(
        id,
        newTitle,
        status,
        environmentId,
        agent,
        newMetadata,
        vaultIds,
        resources,
        usage,
        createdAt,
        at,
        archivedAt,
        budget);
  }

  public Session archived(Instant at) {
    return new Session(
        id,
        title,
        status,
        environmentId,
        agent,
        metadata,
        vaultIds,
        resources,
        usage,
        createdAt,
        at,
        at,
        budget);
  }
}
