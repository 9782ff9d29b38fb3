package dev.agentry.server;

import dev.agentry.core.ApiKey;
import dev.agentry.core.ApiKeyRepository;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The valid API keys that {@link Auth} looked up in the last {@link #TTL}, by secret hash, so that
 * a client sending many requests costs one store query per second rather than one per request.
 *
 * <p>A revoked key stops working: at once in this process when it was revoked through {@link
 * Admin#revokeKey} (any revocation in the JVM empties every cache, see {@link #revoked}), and
 * within {@link #TTL} when another process revoked it (the CLI on a SQLite file, another server on
 * a shared PostgreSQL). Only valid keys are kept: an unknown or revoked key is looked up on every
 * request, so a key created by another process works at once and guessing fills nothing. Keys never
 * change but for their revocation, so nothing else can go stale.
 */
final class ApiKeyCache {
  /** How long a looked-up key is trusted without asking the store again. */
  static final Duration TTL = Duration.ofSeconds(1);

  /** Past this many keys the cache starts over rather than grow; real deployments have few. */
  static final int MAX_ENTRIES = 10_000;

  /** Bumped by every revocation in this JVM; an entry from an earlier generation is not used. */
  private static final AtomicLong GENERATION = new AtomicLong();

  private record Entry(ApiKey key, long loadedAt, long generation) {}

  private final ApiKeyRepository keys;
  private final LongSupplier nanoTime;
  private final long ttlNanos;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  ApiKeyCache(ApiKeyRepository keys) {
    this(keys, System::nanoTime, TTL);
  }

  ApiKeyCache(ApiKeyRepository keys, LongSupplier nanoTime, Duration ttl) {
    this.keys = keys;
    this.nanoTime = nanoTime;
    this.ttlNanos = ttl.toNanos();
  }

  /** Makes every cache in this JVM look its keys up again: call after revoking a key. */
  static void revoked() {
    GENERATION.incrementAndGet();
  }

  /** The valid (not revoked) key with this secret hash. */
  Optional<ApiKey> valid(String secretHash) {
    long generation = GENERATION.get();
    long now = nanoTime.getAsLong();
    Entry e = entries.get(secretHash);
    if (e != null && e.generation() == generation && now - e.loadedAt() < ttlNanos) {
      return Optional.of(e.key());
    }
    // The generation is read before the query, so a revocation during it leaves no usable entry.
    Optional<ApiKey> found = keys.findByHash(secretHash).filter(k -> k.revokedAt() == null);
    if (found.isEmpty()) {
      entries.remove(secretHash);
      return found;
    }
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear();
    }
    entries.put(secretHash, new Entry(found.get(), now, generation));
    return found;
  }
}
