package dev.agentry.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.EventDraft;
import dev.agentry.core.Json;
import dev.agentry.core.ModelConfig;
import dev.agentry.core.Page;
import dev.agentry.core.PageRequest;
import dev.agentry.core.Session;
import dev.agentry.core.SessionBudget;
import dev.agentry.core.SessionCommit;
import dev.agentry.core.SessionFilter;
import dev.agentry.core.SessionHead;
import dev.agentry.core.SessionRepository;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.SessionUsage;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.Timestamps;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.UnaryOperator;

/** Sessions (the whole record as JSON plus filter columns) and their leases. */
final class SqlSessions implements SessionRepository {
  private static final SessionBodies BODIES = new SessionBodies();

  private static final DocTable<Session> TABLE =
      new DocTable<>(
          "session",
          "sessions",
          List.of(
              "id",
              "agent_id",
              "agent_version",
              "environment_id",
              "status",
              "title",
              "body",
              "created_at",
              "updated_at",
              "archived_at"),
          s ->
              new Object[] {
                s.id(),
                s.agent().id(),
                s.agent().version(),
                s.environmentId(),
                s.status().wireName(),
                s.title(),
                BODIES.write(s),
                Rows.micros(s.createdAt()),
                Rows.micros(s.updatedAt()),
                Rows.micros(s.archivedAt())
              },
          Session::id,
          "body",
          rs -> Json.read(rs.getString(1), Session.class));

  private record Holder(String owner, long token, Instant expiresAt) {}

  /**
   * The fields of a stored session body that {@link SessionHead} needs; Jackson skips the rest (the
   * agent's system prompt, tools, MCP servers) without binding it. {@code ignoreUnknown} makes
   * Jackson skip them: otherwise a record's creator buffers every unknown field's tokens first.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record HeadDoc(
      String id,
      SessionStatus status,
      String environmentId,
      AgentDoc agent,
      SessionUsage usage,
      Instant archivedAt,
      SessionBudget budget) {
    SessionHead head() {
      String model =
          agent == null || agent.spec() == null || agent.spec().model() == null
              ? null
              : agent.spec().model().id();
      return new SessionHead(id, status, environmentId, model, usage, archivedAt, budget);
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record AgentDoc(SpecDoc spec) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record SpecDoc(ModelConfig model) {}

  private final Database db;
  private final EventHub hub;
  private final SqlClaims claims;

  SqlSessions(Database db, EventHub hub) {
    this.db = db;
    this.hub = hub;
    this.claims = new SqlClaims(db);
  }

  @Override
  public Session create(String workspaceId, Session session, List<EventDraft> initialEvents) {
    List<EventDraft> drafts = hub.admit(session.id(), initialEvents);
    return db.write(
        session.id(),
        tx -> {
          Session stored = TABLE.insert(tx, workspaceId, session);
          if (!drafts.isEmpty()) {
            tx.update(
                "UPDATE sessions SET last_seq = ? WHERE id = ?",
                (long) drafts.size(),
                session.id());
            List<StoredEvent> events = SqlEvents.insert(tx, session.id(), 1, drafts, db.now());
            hub.publishOnCommit(tx, session.id(), events);
          }
          return stored;
        });
  }

  @Override
  public Optional<Session> find(String id) {
    return db.read(tx -> TABLE.find(tx, id, false));
  }

  @Override
  public Optional<List<JsonNode>> resources(String id) {
    return db.read(
        tx ->
            tx.one("SELECT body FROM sessions WHERE id = ?", rs -> rs.getString(1), id)
                .map(body -> BODIES.resources(id, body)));
  }

  @Override
  public Optional<Session> find(String workspaceId, String id) {
    return db.read(tx -> TABLE.find(tx, workspaceId, id));
  }

  @Override
  public Optional<SessionHead> head(String workspaceId, String id) {
    return db.read(
        tx ->
            tx.one(
                "SELECT body FROM sessions WHERE workspace_id = ? AND id = ?",
                rs -> Json.read(rs.getString(1), HeadDoc.class).head(),
                workspaceId,
                id));
  }

  @Override
  public Session update(String id, UnaryOperator<Session> change) {
    return db.write(id, tx -> TABLE.update(tx, id, change));
  }

  @Override
  public SessionCommit.Result commit(String id, long fence, SessionCommit commit) {
    List<EventDraft> fixed = hub.admit(id, commit.events());
    return db.write(id, tx -> commitIn(tx, id, fence, commit, fixed));
  }

  @Override
  public OptionalLong freeLease(String sessionId) {
    return db.read(
        tx -> {
          Holder h = holder(tx, sessionId, false);
          return h.owner() == null ? OptionalLong.of(h.token()) : OptionalLong.empty();
        });
  }

  @Override
  public Optional<LeasedCommit> commitTakingLease(
      String sessionId,
      String owner,
      long freeToken,
      Instant now,
      Duration ttl,
      SessionCommit commit) {
    Instant expires = Timestamps.truncate(now.plus(ttl));
    List<EventDraft> fixed = hub.admit(sessionId, commit.events());
    return db.write(
        sessionId,
        tx -> {
          Holder h = holder(tx, sessionId, true);
          if (h.owner() != null || h.token() != freeToken) {
            return Optional.empty(); // taken since it was seen free: someone may have written
          }
          Lease lease = new Lease(sessionId, owner, freeToken + 1, expires);
          setLease(tx, lease);
          return Optional.of(
              new LeasedCommit(lease, commitIn(tx, sessionId, lease.token(), commit, fixed)));
        });
  }

  /** {@code commit}'s writes, fenced by {@code fence}, in {@code tx}. */
  private SessionCommit.Result commitIn(
      Tx tx, String id, long fence, SessionCommit commit, List<EventDraft> fixed)
      throws SQLException {
    List<EventDraft> drafts = fixed;
    if (commit.touchesRecord()) {
      // A stale fence fails the append below, which rolls this update back with it.
      Session changed =
          commit.change() == SessionCommit.NO_CHANGE
              ? TABLE.find(tx, id, false).orElseThrow(() -> TABLE.notFound(id))
              : TABLE.rewrite(tx, id, current(tx, id), commit.change());
      List<EventDraft> derived = commit.derived().apply(changed);
      if (!derived.isEmpty()) {
        drafts = new ArrayList<>(fixed);
        drafts.addAll(hub.admit(id, derived));
      }
    }
    List<StoredEvent> appended;
    if (drafts.isEmpty()) {
      db.appender().reserve(tx, id, 0, fence);
      appended = List.of();
    } else {
      appended = db.appender().append(tx, id, drafts, fence, db.now());
      hub.publishOnCommit(tx, id, appended);
    }
    List<StoredEvent> processed =
        SqlEvents.markProcessed(tx, id, commit.processed(), commit.processedAt());
    return new SessionCommit.Result(appended, processed);
  }

  @Override
  public Optional<String> workspaceOf(String sessionId) {
    return db.read(
        tx ->
            tx.one(
                "SELECT workspace_id FROM sessions WHERE id = ?",
                rs -> rs.getString(1),
                sessionId));
  }

  @Override
  public boolean delete(String id) {
    return db.write(
        id,
        tx -> {
          tx.update("DELETE FROM events WHERE session_id = ?", id);
          // Explicitly, as SQLite does not enforce the cascades: the checkpoints go, and the
          // blobs only this session referred to become the collector's (ADR 0049).
          tx.update("DELETE FROM checkpoint_blob_refs WHERE session_id = ?", id);
          tx.update("DELETE FROM session_checkpoints WHERE session_id = ?", id);
          db.appender().forget(tx, id);
          return TABLE.delete(tx, id);
        });
  }

  @Override
  public Map<SessionStatus, Long> countByStatus() {
    return db.read(
        tx -> {
          Map<SessionStatus, Long> out = new EnumMap<>(SessionStatus.class);
          for (SessionStatus status : SessionStatus.values()) {
            out.put(status, 0L);
          }
          tx.query(
                  "SELECT status, COUNT(*) FROM sessions GROUP BY status",
                  rs -> Map.entry(rs.getString(1), rs.getLong(2)))
              .forEach(
                  row -> {
                    SessionStatus status = SessionStatus.fromWire(row.getKey());
                    if (status != null) {
                      out.put(status, row.getValue());
                    }
                  });
          return out;
        });
  }

  @Override
  public Page<Session> list(SessionFilter filter, PageRequest page) {
    return list(TABLE.select(), filter, page);
  }

  @Override
  public Page<Session> list(String workspaceId, SessionFilter filter, PageRequest page) {
    return list(TABLE.select().and("workspace_id = ?", workspaceId), filter, page);
  }

  private Page<Session> list(Query q, SessionFilter filter, PageRequest page) {
    q.resource("", filter.common());
    if (filter.agentId() != null) {
      q.and("agent_id = ?", filter.agentId());
    }
    if (filter.agentVersion() != null) {
      q.and("agent_version = ?", filter.agentVersion());
    }
    q.in("status", filter.statuses().stream().map(SessionStatus::wireName).sorted().toList());
    return db.read(tx -> TABLE.list(tx, q, page));
  }

  @Override
  public List<String> withPendingWork(int limit) {
    // No index on processed_at: the EXISTS walks each session's log by its primary key, and this
    // runs once at start-up.
    return db.read(
        tx ->
            tx.query(
                "SELECT s.id FROM sessions s WHERE s.status IN ('running', 'rescheduling')"
                    + " OR (s.status <> 'terminated' AND EXISTS (SELECT 1 FROM events e"
                    + " WHERE e.session_id = s.id AND e.processed_at IS NULL))"
                    + " ORDER BY s.id DESC LIMIT ?",
                rs -> rs.getString(1),
                limit));
  }

  @Override
  public Optional<Lease> tryLease(String sessionId, String owner, Instant now, Duration ttl) {
    long nowMicros = Timestamps.toMicros(now);
    Instant expires = Timestamps.truncate(now.plus(ttl));
    return db.write(
        sessionId,
        tx -> {
          Holder h = holder(tx, sessionId, true);
          boolean sameOwner = owner.equals(h.owner());
          boolean free =
              h.owner() == null
                  || h.expiresAt() == null
                  || Timestamps.toMicros(h.expiresAt()) <= nowMicros;
          if (!sameOwner && !free) {
            return Optional.empty();
          }
          long token = sameOwner ? h.token() : h.token() + 1;
          Lease lease = new Lease(sessionId, owner, token, expires);
          setLease(tx, lease);
          return Optional.of(lease);
        });
  }

  /** The session's row, locked for the rewrite that follows ({@link SessionBodies}). */
  private static Session current(Tx tx, String id) throws SQLException {
    String body =
        tx.one(
                "SELECT body FROM sessions WHERE id = ?" + tx.dialect().forUpdate(),
                rs -> rs.getString(1),
                id)
            .orElseThrow(() -> TABLE.notFound(id));
    return BODIES.read(id, body);
  }

  private static Holder holder(Tx tx, String sessionId, boolean forUpdate) throws SQLException {
    return tx.one(
            "SELECT lease_owner, lease_token, lease_expires_at FROM sessions WHERE id = ?"
                + (forUpdate ? tx.dialect().forUpdate() : ""),
            rs -> new Holder(rs.getString(1), rs.getLong(2), Rows.instant(rs, 3)),
            sessionId)
        .orElseThrow(() -> Appender.noSession(sessionId));
  }

  private static void setLease(Tx tx, Lease lease) throws SQLException {
    tx.update(
        "UPDATE sessions SET lease_owner = ?, lease_token = ?, lease_expires_at = ? WHERE id = ?",
        lease.owner(),
        lease.token(),
        Timestamps.toMicros(lease.expiresAt()),
        lease.sessionId());
  }

  @Override
  public Optional<Lease> renewLease(Lease lease, Instant now, Duration ttl) {
    return claims.renew(lease, now, ttl);
  }

  @Override
  public List<Lease> claimRunnable(
      String owner, Instant now, Duration ttl, int limit, Set<String> skip) {
    return claims.claim(owner, now, ttl, limit, skip);
  }

  @Override
  public void releaseLease(Lease lease) {
    db.write(
        lease.sessionId(),
        tx ->
            tx.update(
                "UPDATE sessions SET lease_owner = NULL, lease_expires_at = NULL"
                    + " WHERE id = ? AND lease_owner = ? AND lease_token = ?",
                lease.sessionId(),
                lease.owner(),
                lease.token()));
  }
}
