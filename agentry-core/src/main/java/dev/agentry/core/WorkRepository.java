package dev.agentry.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The work queues of {@code self_hosted} environments (docs/decisions/0038). Every change is one
 * conditional update, so two workers, or two server nodes, never both win the same item: a poll
 * locks its candidate rows with {@code SKIP LOCKED} on PostgreSQL.
 */
public interface WorkRepository {
  /**
   * Queues an item for {@code sessionId} unless the session already has one that is not stopped;
   * returns the session's open item either way.
   */
  WorkItem offer(String workspaceId, String environmentId, String sessionId, Instant now);

  /**
   * Hands the oldest offerable item of the environment to {@code workerId}: a queued item never
   * polled, or polled but not acked for longer than {@code reclaimAfter}. The item's item-token
   * hash becomes {@code tokenHash} (the token of an earlier poll stops working).
   */
  Optional<WorkItem> poll(
      String environmentId, String workerId, String tokenHash, Duration reclaimAfter, Instant now);

  /**
   * How many offers this process has heard of so far (its own, and on a shared PostgreSQL database
   * other nodes'): read it before a poll looks at the queue and hand it to {@link #awaitOffer}, so
   * an offer made between the two is not slept through.
   */
  long offersHeard();

  /**
   * Waits up to {@code max} for an item to be queued in {@code environmentId} after {@code
   * heardBefore} ({@link #offersHeard()}) — a long poll's wake-up: by this process, or by another
   * node on a shared PostgreSQL database, whose offer reaches this one as a notice
   * (docs/decisions/0048). It may return early for another environment's offer.
   */
  void awaitOffer(String environmentId, long heardBefore, Duration max) throws InterruptedException;

  /** The session's newest item, stopped or not. */
  Optional<WorkItem> latestOf(String sessionId);

  Optional<WorkItem> find(String environmentId, String id);

  /** The item, not stopped, whose current item token hashes to {@code tokenHash}. */
  Optional<WorkItem> findByToken(String tokenHash);

  /** The environment's items, newest first, after the item {@code afterId} if given. */
  List<WorkItem> list(String environmentId, String afterId, int limit);

  /** {@code queued} to {@code starting}; empty if the item is not queued. */
  Optional<WorkItem> ack(String environmentId, String id, Instant now);

  /** What a heartbeat did: {@code extended} false when a stop is asked or the item stopped. */
  record Heartbeat(WorkItem item, boolean matched, boolean extended) {}

  /**
   * Extends the lease by {@code ttl} if {@code expected} (null for {@code NO_HEARTBEAT}) is the
   * stored last heartbeat; {@code matched} false (nothing changed) otherwise.
   */
  Optional<Heartbeat> heartbeat(
      String environmentId, String id, Instant expected, Duration ttl, Instant now);

  /**
   * A forced stop (or a stop of an item no worker holds) stops it now; otherwise it is {@code
   * stopping} until its holder stops it. Empty when the item is already stopped.
   */
  Optional<WorkItem> stop(String environmentId, String id, boolean force, Instant now);

  /** Merges {@code patch} into the metadata: a null value removes its key. */
  Optional<WorkItem> updateMetadata(String environmentId, String id, Map<String, String> patch);

  /** Items held (starting, active or stopping) whose lease ran out by {@code now}. */
  List<WorkItem> lapsed(String environmentId, Instant now);

  /** Stops a lapsed item as lapsed, if it is still held and lapsed; whether it did. */
  boolean markLapsed(String id, Instant now);

  /** Queue figures of {@code work/stats}. */
  record Stats(long depth, long pending, Instant oldestQueuedAt, long workersPolling) {}

  /** Records that {@code workerId} polled now. */
  void recordPoller(String environmentId, String workerId, Instant now);

  /** {@code pollersSince}: workers that polled at or after it count as polling. */
  Stats stats(String environmentId, Instant pollersSince);

  /** Environment keys (poll and ack), stored by hash. */
  EnvironmentKey createKey(EnvironmentKey key);

  Optional<EnvironmentKey> findKeyByHash(String secretHash);

  List<EnvironmentKey> listKeys(String environmentId);

  /** Whether the key was revoked now. */
  boolean revokeKey(String environmentId, String id, Instant now);

  /** A key of a {@code self_hosted} environment, as stored: never its secret. */
  record EnvironmentKey(
      String id,
      String workspaceId,
      String environmentId,
      String name,
      String secretHash,
      Instant createdAt,
      Instant revokedAt) {}
}
