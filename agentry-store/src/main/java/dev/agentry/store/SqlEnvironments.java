package dev.agentry.store;

import dev.agentry.core.Environment;
import dev.agentry.core.EnvironmentRepository;
import dev.agentry.core.Json;
import java.time.Instant;
import java.util.List;

/** Environments: the whole record as JSON, the name in a column unique per workspace. */
final class SqlEnvironments extends DocRepository<Environment> implements EnvironmentRepository {
  private static final DocTable<Environment> TABLE =
      new DocTable<>(
          "environment",
          "environments",
          List.of("id", "name", "body", "created_at", "updated_at", "archived_at"),
          e ->
              new Object[] {
                e.id(),
                e.name(),
                Json.write(e),
                Rows.micros(e.createdAt()),
                Rows.micros(e.updatedAt()),
                Rows.micros(e.archivedAt())
              },
          Environment::id,
          "body",
          rs -> Json.read(rs.getString(1), Environment.class));

  SqlEnvironments(Database db) {
    super(db, TABLE);
  }

  @Override
  public Environment create(Environment environment) {
    return EnvironmentRepository.super.create(environment);
  }

  @Override
  public Environment archive(String id, Instant now) {
    return update(
        id,
        e ->
            e.archivedAt() != null
                ? e
                : new Environment(
                    e.id(),
                    e.name(),
                    e.description(),
                    e.config(),
                    e.metadata(),
                    e.scope(),
                    e.createdAt(),
                    now,
                    now));
  }
}
