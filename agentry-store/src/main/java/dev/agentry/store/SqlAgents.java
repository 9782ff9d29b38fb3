package dev.agentry.store;

import dev.agentry.core.Agent;
import dev.agentry.core.AgentRepository;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.Json;
import dev.agentry.core.Page;
import dev.agentry.core.PageRequest;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.StoreException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Agents: one row per agent (creation, latest version, archive time) and one immutable row per
 * version holding the spec.
 */
final class SqlAgents implements AgentRepository {
  private static final String SELECT =
      "SELECT a.id, v.version, v.spec, a.created_at, v.updated_at, a.archived_at"
          + " FROM agents a JOIN agent_versions v ON v.agent_id = a.id WHERE 1 = 1";
  private static final String LATEST = SELECT + " AND v.version = a.latest_version";
  private static final RowMapper<Agent> AGENT =
      rs ->
          new Agent(
              rs.getString(1),
              rs.getInt(2),
              Json.read(rs.getString(3), AgentSpec.class),
              Rows.instant(rs, 4),
              Rows.instant(rs, 5),
              Rows.instant(rs, 6));

  private final Database db;

  SqlAgents(Database db) {
    this.db = db;
  }

  @Override
  public Agent create(String workspaceId, Agent agent) {
    return db.write(
        null,
        tx -> {
          tx.update(
              "INSERT INTO agents (id, created_at, latest_version, archived_at, workspace_id)"
                  + " VALUES (?, ?, ?, ?, ?)",
              agent.id(),
              Rows.micros(agent.createdAt()),
              agent.version(),
              Rows.micros(agent.archivedAt()),
              workspaceId);
          insertVersion(
              tx, agent.id(), agent.version(), agent.spec(), agent.createdAt(), agent.updatedAt());
          return latest(tx, agent.id(), false).orElseThrow();
        });
  }

  @Override
  public Optional<Agent> find(String id) {
    return db.read(tx -> latest(tx, id, false));
  }

  @Override
  public Optional<Agent> find(String workspaceId, String id) {
    return db.read(
        tx -> tx.one(LATEST + " AND a.workspace_id = ? AND a.id = ?", AGENT, workspaceId, id));
  }

  @Override
  public Optional<Agent> findVersion(String id, int version) {
    return db.read(tx -> tx.one(SELECT + " AND a.id = ? AND v.version = ?", AGENT, id, version));
  }

  @Override
  public Optional<Agent> findVersion(String workspaceId, String id, int version) {
    return db.read(
        tx ->
            tx.one(
                SELECT + " AND a.workspace_id = ? AND a.id = ? AND v.version = ?",
                AGENT,
                workspaceId,
                id,
                version));
  }

  @Override
  public Agent update(
      String id, Integer expectedVersion, UnaryOperator<AgentSpec> change, Instant now) {
    return db.write(
        null,
        tx -> {
          Agent current = latest(tx, id, true).orElseThrow(() -> notFound(id));
          if (expectedVersion != null && expectedVersion != current.version()) {
            throw new StoreException.Conflict(
                "agent " + id + " is at version " + current.version() + ", not " + expectedVersion);
          }
          AgentSpec next = change.apply(current.spec());
          if (next.equals(current.spec())) {
            return current;
          }
          int version = current.version() + 1;
          insertVersion(tx, id, version, next, current.createdAt(), now);
          tx.update("UPDATE agents SET latest_version = ? WHERE id = ?", version, id);
          return latest(tx, id, false).orElseThrow();
        });
  }

  @Override
  public Agent archive(String id, Instant now) {
    return db.write(
        null,
        tx -> {
          tx.update(
              "UPDATE agents SET archived_at = ? WHERE id = ? AND archived_at IS NULL",
              Rows.micros(now),
              id);
          return latest(tx, id, false).orElseThrow(() -> notFound(id));
        });
  }

  @Override
  public Page<Agent> list(ResourceFilter filter, PageRequest page) {
    return db.read(
        tx ->
            Keyset.resource("a.").page(tx, new Query(LATEST).resource("a.", filter), page, AGENT));
  }

  @Override
  public Page<Agent> list(String workspaceId, ResourceFilter filter, PageRequest page) {
    return db.read(
        tx ->
            Keyset.resource("a.")
                .page(
                    tx,
                    new Query(LATEST).and("a.workspace_id = ?", workspaceId).resource("a.", filter),
                    page,
                    AGENT));
  }

  @Override
  public Page<Agent> versions(String id, PageRequest page) {
    return db.read(
        tx -> {
          Page<Agent> versions =
              Keyset.single("v.version")
                  .page(tx, new Query(SELECT).and("a.id = ?", id), page, AGENT);
          if (versions.items().isEmpty() && !tx.exists("SELECT 1 FROM agents WHERE id = ?", id)) {
            throw notFound(id);
          }
          return versions;
        });
  }

  private static Optional<Agent> latest(Tx tx, String id, boolean lock) throws SQLException {
    // On PostgreSQL the lock on the agent row serialises updates of one agent across nodes.
    return tx.one(LATEST + " AND a.id = ?" + (lock ? tx.dialect().forUpdate() : ""), AGENT, id);
  }

  private static void insertVersion(
      Tx tx, String id, int version, AgentSpec spec, Instant createdAt, Instant updatedAt)
      throws SQLException {
    tx.update(
        "INSERT INTO agent_versions (agent_id, version, spec, created_at, updated_at)"
            + " VALUES (?, ?, ?, ?, ?)",
        id,
        version,
        Json.write(spec),
        Rows.micros(createdAt),
        Rows.micros(updatedAt));
  }

  private static StoreException.NotFound notFound(String id) {
    return new StoreException.NotFound("no agent " + id);
  }
}
