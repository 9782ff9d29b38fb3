package dev.agentry.core;

import java.time.Instant;
import java.util.Map;

/**
 * A work item of a {@code self_hosted} environment's queue: one session whose built-in tool calls
 * wait for a worker (cma-api.md §13). {@code state} is {@code queued}, {@code starting} (acked),
 * {@code active} (claimed by a first heartbeat), {@code stopping} (a stop was asked) or {@code
 * stopped}. {@code polledAt} and {@code workerId} are the last poll that handed it out, and {@code
 * leaseExpiresAt} when the holder's lease lapses unless it heartbeats; {@code lapsed} says the item
 * stopped because its lease lapsed (its holder lost it) rather than by a stop.
 */
public record WorkItem(
    String id,
    String workspaceId,
    String environmentId,
    String sessionId,
    String state,
    Map<String, String> metadata,
    Instant createdAt,
    Instant polledAt,
    String workerId,
    Instant acknowledgedAt,
    Instant startedAt,
    Instant latestHeartbeatAt,
    int ttlSeconds,
    Instant leaseExpiresAt,
    Instant stopRequestedAt,
    Instant stoppedAt,
    boolean lapsed) {
  public static final String QUEUED = "queued";
  public static final String STARTING = "starting";
  public static final String ACTIVE = "active";
  public static final String STOPPING = "stopping";
  public static final String STOPPED = "stopped";

  public WorkItem {
    metadata = Map.copyOf(metadata);
  }

  public boolean stopped() {
    return STOPPED.equals(state);
  }
}
