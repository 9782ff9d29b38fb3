package dev.agentry.core;

import java.time.Instant;
import java.util.Map;

/** An environment: the template sessions' sandboxes are made from. */
public record Environment(
    String id,
    String name,
    String description,
    EnvironmentConfig config,
    Map<String, String> metadata,
    String scope,
    Instant createdAt,
    Instant updatedAt,
    Instant archivedAt) {

  public Environment {
    metadata = Map.copyOf(metadata);
  }
}
