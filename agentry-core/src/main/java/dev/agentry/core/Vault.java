package dev.agentry.core;

import java.time.Instant;
import java.util.Map;

/** A named set of credentials that sessions attach with {@code vault_ids}. */
public record Vault(
    String id,
    String displayName,
    Map<String, String> metadata,
    Instant createdAt,
    Instant updatedAt,
    Instant archivedAt) {
  public Vault {
    metadata = Map.copyOf(metadata);
  }
}
