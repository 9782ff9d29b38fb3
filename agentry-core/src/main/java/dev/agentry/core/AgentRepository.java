package dev.agentry.core;

import java.time.Instant;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Agents and their immutable versions. The methods that take a {@code workspaceId} see only that
 * workspace's agents (the API uses them); the others see every workspace (the runtime uses them).
 */
public interface AgentRepository {

  /** Stores version 1 of a new agent in the default workspace. */
  default Agent create(Agent agent) {
    return create(Workspace.DEFAULT_ID, agent);
  }

  /** Stores version 1 of a new agent in {@code workspaceId}. */
  Agent create(String workspaceId, Agent agent);

  /** The latest version. */
  Optional<Agent> find(String id);

  /** The latest version, if the agent belongs to {@code workspaceId}. */
  Optional<Agent> find(String workspaceId, String id);

  Optional<Agent> findVersion(String id, int version);

  /** A version, if the agent belongs to {@code workspaceId}. */
  Optional<Agent> findVersion(String workspaceId, String id, int version);

  /**
   * Atomically applies {@code change} to the latest version and stores the result as the next
   * version; if the result equals the latest spec, nothing is stored and the latest is returned.
   *
   * @param expectedVersion the version the caller based its change on, or null for last-write-wins
   * @throws StoreException.Conflict if {@code expectedVersion} is not the latest version
   * @throws StoreException.NotFound if there is no such agent
   */
  Agent update(String id, Integer expectedVersion, UnaryOperator<AgentSpec> change, Instant now);

  /** Marks every version archived (idempotent: an archived agent keeps its first archive time). */
  Agent archive(String id, Instant now);

  /** Latest versions, keyed by (created_at, id). */
  Page<Agent> list(ResourceFilter filter, PageRequest page);

  /** Latest versions of {@code workspaceId}'s agents, keyed by (created_at, id). */
  Page<Agent> list(String workspaceId, ResourceFilter filter, PageRequest page);

  /** Versions of one agent, keyed by version number in {@link PageKey#primary()}. */
  Page<Agent> versions(String id, PageRequest page);
}
