package dev.agentry.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Sessions, their status, and the leases that keep one harness per session. */
public interface SessionRepository {

  /**
   * Stores a new session and appends {@code initialEvents} to its log in the same transaction:
   * either both are durable or neither is.
   */
  Session create(Session session, List<EventDraft> initialEvents);

  Optional<Session> find(String id);

  /**
   * Atomically replaces the session with {@code change} applied to it.
   *
   * @throws StoreException.NotFound if there is no such session
   */
  Session update(String id, UnaryOperator<Session> change);

  /** Deletes the session and its whole event log. Returns whether it existed. */
  boolean delete(String id);

  /** Keyed by (created_at, id). */
  Page<Session> list(SessionFilter filter, PageRequest page);

  /**
   * Ids of up to {@code limit} sessions a harness must wake after a restart, newest first: those
   * {@code running} or {@code rescheduling} (a run died with the process) and those not terminated
   * that have queued user events ({@code processed_at} null).
   */
  List<String> withPendingWork(int limit);

  /**
   * Takes the session's lease for {@code owner} if it is free, expired, or already held by {@code
   * owner}; a take by a new owner gets a larger fencing token than any before it.
   */
  Optional<Lease> tryLease(String sessionId, String owner, Instant now, Duration ttl);

  /** Gives the lease back if {@code lease} still holds it. */
  void releaseLease(Lease lease);

  /** A session's lease: {@code token} is the fence that {@link EventStore#append} checks. */
  record Lease(String sessionId, String owner, long token, Instant expiresAt) {}
}
