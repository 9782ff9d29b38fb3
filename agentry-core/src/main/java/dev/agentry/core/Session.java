package dev.agentry.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A session: a snapshot of one agent version working in one environment, and the handle of its
 * event log. {@code title} and {@code archivedAt} may be null.
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
    Instant archivedAt) {

  public Session {
    metadata = Map.copyOf(metadata);
    vaultIds = List.copyOf(vaultIds);
    resources = List.copyOf(resources);
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
        archivedAt);
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
        archivedAt);
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
        at);
  }
}
