package dev.agentry.core;

import java.time.Instant;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Environments. Names are unique among a workspace's existing (not deleted) environments. The
 * methods that take a {@code workspaceId} see only that workspace; the others see every workspace.
 */
public interface EnvironmentRepository {

  /**
   * Creates the environment in the default workspace.
   *
   * @throws StoreException.Conflict if another environment of the workspace has that name
   */
  default Environment create(Environment environment) {
    return create(Workspace.DEFAULT_ID, environment);
  }

  /**
   * @throws StoreException.Conflict if another environment of {@code workspaceId} has that name
   */
  Environment create(String workspaceId, Environment environment);

  Optional<Environment> find(String id);

  Optional<Environment> find(String workspaceId, String id);

  /**
   * Atomically replaces the environment with {@code change} applied to it.
   *
   * @throws StoreException.Conflict if the new name is taken
   * @throws StoreException.NotFound if there is no such environment
   */
  Environment update(String id, UnaryOperator<Environment> change);

  Environment archive(String id, Instant now);

  /** Returns whether an environment was deleted. */
  boolean delete(String id);

  Page<Environment> list(ResourceFilter filter, PageRequest page);

  Page<Environment> list(String workspaceId, ResourceFilter filter, PageRequest page);
}
