package dev.agentry.core;

import java.time.Instant;
import java.util.Map;

/**
 * A named store of memories that sessions mount under {@code /mnt/memory/<slug>}; its {@code
 * description} goes into the system prompt of the sessions that mount it.
 */
public record MemoryStore(
    String id,
    String name,
    String description,
    Map<String, String> metadata,
    Instant createdAt,
    Instant updatedAt,
    Instant archivedAt) {
  public MemoryStore {
    metadata = Map.copyOf(metadata);
  }
}
