package dev.agentry.core;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A registered webhook receiver: where to POST, which event types it wants, and whether it is still
 * enabled. Its signing secret is kept apart, sealed (see {@link WebhookRepository}).
 *
 * @param disabledAt null while enabled
 * @param disabledReason why it was disabled ({@code consecutive_failures}, {@code private_address},
 *     {@code api}), or null
 */
public record WebhookEndpoint(
    String id,
    String workspaceId,
    String url,
    List<String> types,
    String description,
    int consecutiveFailures,
    Instant disabledAt,
    String disabledReason,
    Instant createdAt,
    Instant updatedAt) {

  /** Consecutive failed deliveries after which an endpoint is disabled. */
  public static final int MAX_CONSECUTIVE_FAILURES = 20;

  public WebhookEndpoint {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(workspaceId, "workspaceId");
    Objects.requireNonNull(url, "url");
    types = List.copyOf(types);
  }

  public boolean enabled() {
    return disabledAt == null;
  }

  public boolean wants(String type) {
    return types.contains(type);
  }
}
