package dev.agentry.core;

import java.time.Instant;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Environments. Names are unique among existing (not deleted) environments. */
public interface EnvironmentRepository {

  /**
   * @throws StoreException.Conflict if another environment has that name
   */
  Environment create(Environment environment);

  Optional<Environment> find(String id);

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
}
