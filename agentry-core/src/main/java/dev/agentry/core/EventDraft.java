package dev.agentry.core;

import java.time.Instant;
import java.util.Objects;

/**
 * An event about to be appended. {@code payload} is a JSON object holding the event's own fields
 * (everything except {@code id}, {@code type}, {@code processed_at} and {@code created_at}, which
 * the store owns). {@code processedAt} is null for a user event that waits in the queue.
 */
public record EventDraft(String id, String type, String payload, Instant processedAt) {
  public EventDraft {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payload, "payload");
    if (!payload.startsWith("{") || !payload.endsWith("}")) {
      throw new IllegalArgumentException("payload must be a JSON object");
    }
  }

  /** A new event with a fresh id. */
  public static EventDraft of(String type, String payload, Instant processedAt) {
    return new EventDraft(Ids.next(IdKind.EVENT), type, payload, processedAt);
  }
}
