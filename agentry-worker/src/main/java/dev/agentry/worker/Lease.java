package dev.agentry.worker;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's hold on one work item, as the SDK's {@code Lease} keeps it: the claim is the first
 * heartbeat ({@code expected_last_heartbeat=NO_HEARTBEAT}); each later one echoes the {@code
 * last_heartbeat} it was given and is due at {@code min(ttl/2, 30 s)} after the previous was sent.
 * A 412 (another worker holds the item) or another refusal loses the lease; {@code
 * lease_extended:false} means a stop was asked for ("shutdown"); transient failures are retried
 * with backoff until the lease would have expired, and then it counts as lost.
 */
final class Lease implements AutoCloseable {
  static final String NO_HEARTBEAT = "NO_HEARTBEAT";
  private static final Logger log = LoggerFactory.getLogger(Lease.class);
  private static final long INTERVAL_CAP_MS = 30_000;
  private static final long RETRY_START_MS = 1_000;

  /** The API's default lease, until the claim's answer says otherwise. */
  private static final long DEFAULT_TTL_MS = 300_000;

  private final WorkApi api;
  private final String credential;
  private final String workId;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Runnable onLost;
  private final int desiredTtlSeconds;

  private volatile String lastHeartbeat = NO_HEARTBEAT;
  private volatile long ttlMillis = DEFAULT_TTL_MS;
  private volatile long expiresAt;
  private volatile boolean lost;
  private volatile boolean shutdown;
  private volatile boolean closed;
  private volatile int heartbeats;
  private ScheduledFuture<?> next;
  private int failures;

  Lease(
      WorkApi api,
      String credential,
      String workId,
      ScheduledExecutorService scheduler,
      Clock clock,
      int desiredTtlSeconds,
      Runnable onLost) {
    this.api = api;
    this.credential = credential;
    this.workId = workId;
    this.scheduler = scheduler;
    this.clock = clock;
    this.onLost = onLost;
    this.desiredTtlSeconds = desiredTtlSeconds;
  }

  /**
   * Claims the item and starts heartbeating it.
   *
   * @throws ApiError if the server refused the claim (the item is not ours: do not serve it)
   */
  void claim() {
    long sentAt = clock.millis();
    JsonNode answer = api.heartbeat(credential, workId, NO_HEARTBEAT, desiredTtlSeconds);
    record(answer, sentAt);
    if (!shutdown) {
      schedule(dueAfter(sentAt));
    }
  }

  boolean lost() {
    return lost;
  }

  /** The server asked the worker to stop ({@code lease_extended:false}). */
  boolean shutdown() {
    return shutdown;
  }

  Duration ttl() {
    return Duration.ofMillis(ttlMillis);
  }

  /** Heartbeats the server accepted, the claim included. */
  int heartbeats() {
    return heartbeats;
  }

  private long dueAfter(long sentAt) {
    return sentAt + Math.min(ttlMillis / 2, INTERVAL_CAP_MS) - clock.millis();
  }

  private synchronized void schedule(long delayMillis) {
    if (!closed && !lost && !shutdown) {
      next = scheduler.schedule(this::beat, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
    }
  }

  private void beat() {
    if (closed || lost || shutdown) {
      return;
    }
    long sentAt = clock.millis();
    try {
      record(api.heartbeat(credential, workId, lastHeartbeat, desiredTtlSeconds), sentAt);
      failures = 0;
      schedule(dueAfter(sentAt));
    } catch (ApiError e) {
      if (e.status() == 412 || e.fatal()) {
        // Our own heartbeat whose answer was lost also gives a 412 (the SDK notes the same).
        log.warn("lost the lease of {}: {}", workId, e.getMessage());
        lose();
        return;
      }
      long backoff = Math.min(RETRY_START_MS << Math.min(failures++, 10), INTERVAL_CAP_MS);
      long retryAt = sentAt + ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1);
      if (retryAt >= expiresAt) {
        log.warn(
            "lost the lease of {}: no heartbeat succeeded in time ({})", workId, e.getMessage());
        lose();
        return;
      }
      log.info("heartbeat of {} failed, retrying: {}", workId, e.getMessage());
      schedule(retryAt - clock.millis());
    } catch (RuntimeException e) {
      log.warn("heartbeat of {} failed unexpectedly; the lease counts as lost", workId, e);
      lose();
    }
  }

  private void record(JsonNode answer, long sentAt) {
    if (answer == null || !answer.path("lease_extended").asBoolean(false)) {
      log.info("the server asks to stop work item {}", workId);
      shutdown = true;
      return;
    }
    heartbeats++;
    ttlMillis = Math.max(1_000, answer.path("ttl_seconds").asLong(DEFAULT_TTL_MS / 1000) * 1000);
    expiresAt = sentAt + ttlMillis;
    lastHeartbeat = answer.path("last_heartbeat").asText(lastHeartbeat);
  }

  private void lose() {
    lost = true;
    onLost.run();
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (next != null) {
      next.cancel(false);
    }
  }
}
