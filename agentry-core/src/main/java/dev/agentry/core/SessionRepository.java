package dev.agentry.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Sessions, their status, and the leases that keep one harness per session. The methods that take a
 * {@code workspaceId} see only that workspace's sessions (the API uses them); the others see every
 * workspace (the runtime uses them). A session's events belong to its workspace.
 */
public interface SessionRepository {

  /**
   * Stores a new session in the default workspace and appends {@code initialEvents} to its log in
   * the same transaction: either both are durable or neither is.
   */
  default Session create(Session session, List<EventDraft> initialEvents) {
    return create(Workspace.DEFAULT_ID, session, initialEvents);
  }

  /** As {@link #create(Session, List)}, in {@code workspaceId}. */
  Session create(String workspaceId, Session session, List<EventDraft> initialEvents);

  Optional<Session> find(String id);

  /**
   * The session's resources as {@link Session#resources()} has them, or empty when there is no such
   * session: for a caller that reads them after each tool call (memory stores), without the rest of
   * the record.
   */
  default Optional<List<com.fasterxml.jackson.databind.JsonNode>> resources(String id) {
    return find(id).map(Session::resources);
  }

  Optional<Session> find(String workspaceId, String id);

  /**
   * The workspace {@code sessionId} belongs to, for the runtime's work on a session's behalf (its
   * files, its outputs); empty if there is no such session.
   */
  Optional<String> workspaceOf(String sessionId);

  /**
   * As {@link #find(String, String)}, only the session's {@link SessionHead}: the same row, without
   * mapping the agent snapshot.
   */
  Optional<SessionHead> head(String workspaceId, String id);

  /**
   * Atomically replaces the session with {@code change} applied to it.
   *
   * @throws StoreException.NotFound if there is no such session
   */
  Session update(String id, UnaryOperator<Session> change);

  /**
   * Makes {@code commit} durable in one transaction, fenced like {@link EventStore#append(String,
   * List, long)}: the change to the record is applied first, then the events (fixed, then derived
   * from the changed record) are appended, then the queued events are marked. Either all of it is
   * durable or none of it. Subscribers see the appended events after the commit.
   *
   * @throws StoreException.NotFound if there is no such session
   * @throws StoreException.StaleFence if {@code fence} is not the session's lease token
   */
  SessionCommit.Result commit(String id, long fence, SessionCommit commit);

  /** Deletes the session and its whole event log. Returns whether it existed. */
  boolean delete(String id);

  /** Keyed by (created_at, id). */
  Page<Session> list(SessionFilter filter, PageRequest page);

  /** {@code workspaceId}'s sessions, keyed by (created_at, id). */
  Page<Session> list(String workspaceId, SessionFilter filter, PageRequest page);

  /**
   * Ids of up to {@code limit} sessions a harness must wake after a restart, newest first: those
   * {@code running} or {@code rescheduling} (a run died with the process) and those not terminated
   * that have queued user events ({@code processed_at} null).
   */
  List<String> withPendingWork(int limit);

  /**
   * How many sessions, across every workspace, have each status; every status is a key (zero when
   * none has it). One grouped count, cheap enough to run at every metrics scrape.
   */
  Map<SessionStatus, Long> countByStatus();

  /**
   * Takes the session's lease for {@code owner} if it is free, expired, or already held by {@code
   * owner}; a take by a new owner gets a larger fencing token than any before it.
   */
  Optional<Lease> tryLease(String sessionId, String owner, Instant now, Duration ttl);

  /**
   * Extends {@code lease} to {@code now + ttl} if it still holds the session (same owner, same
   * token), even if it has expired meanwhile: no one else has taken it, so no one else has written.
   * Empty if it was given back or taken by another owner since; then the holder must stop.
   */
  Optional<Lease> renewLease(Lease lease, Instant now, Duration ttl);

  /**
   * Claims for {@code owner} up to {@code limit} sessions that need a runner and have none: those
   * {@code running} or {@code rescheduling}, and those not terminated with queued events ({@code
   * processed_at} null), whose lease is free, expired, or already {@code owner}'s (a restarted
   * node's own leases, claimed at once). Ids in {@code skip} (sessions the caller runs already) are
   * left alone, and so are rows another transaction is claiming or writing at that moment. Each
   * claim takes the lease as {@link #tryLease} would: a new owner gets a larger token; a claim of
   * another owner's expired lease says whose ({@link Lease#takenFrom}). Nodes may claim
   * concurrently; a session is never claimed by two of them.
   */
  List<Lease> claimRunnable(String owner, Instant now, Duration ttl, int limit, Set<String> skip);

  /** Gives the lease back if {@code lease} still holds it. */
  void releaseLease(Lease lease);

  /**
   * The token of the session's lease if no one holds it (never taken, or given back); empty while
   * an owner holds it, expired or not. With {@link #commitTakingLease} a runner reads first and
   * takes the lease with its first write.
   *
   * @throws StoreException.NotFound if there is no such session
   */
  OptionalLong freeLease(String sessionId);

  /**
   * Takes the session's lease for {@code owner} and makes {@code commit} durable under it, in one
   * transaction, if the lease is still free at {@code freeToken} (as {@link #freeLease} saw it):
   * then no one has written under a lease since, and what the caller read is still the log's and
   * record's state but for unfenced appends. Empty, writing nothing, if the lease was taken since.
   * The new lease's token is larger than any before it, as with {@link #tryLease}.
   *
   * @throws StoreException.NotFound if there is no such session
   */
  Optional<LeasedCommit> commitTakingLease(
      String sessionId,
      String owner,
      long freeToken,
      Instant now,
      Duration ttl,
      SessionCommit commit);

  /** What {@link #commitTakingLease} took and wrote. */
  record LeasedCommit(Lease lease, SessionCommit.Result result) {}

  /**
   * A session's lease: {@code token} is the fence that {@link EventStore#append} checks. {@code
   * takenFrom} is set only on a lease {@link #claimRunnable} took over: the other owner whose lease
   * had expired (its node died or stalled); null for a lease that was free or the claimer's own.
   */
  record Lease(String sessionId, String owner, long token, Instant expiresAt, String takenFrom) {
    public Lease(String sessionId, String owner, long token, Instant expiresAt) {
      this(sessionId, owner, token, expiresAt, null);
    }

    /** Whether this claim took the session from another owner's lost lease. */
    public boolean tookOver() {
      return takenFrom != null;
    }
  }
}
