package dev.agentry.store;

import dev.agentry.core.Environment;
import dev.agentry.core.EnvironmentRepository;
import dev.agentry.core.Json;
import dev.agentry.core.Page;
import dev.agentry.core.PageRequest;
import dev.agentry.core.ResourceFilter;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Environments: the whole record as JSON, the name in a unique column. */
final class SqlEnvironments implements EnvironmentRepository {
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

  private final Database db;

  SqlEnvironments(Database db) {
    this.db = db;
  }

  @Override
  public Environment create(Environment environment) {
    return db.write(null, tx -> TABLE.insert(tx, environment));
  }

  @Override
  public Optional<Environment> find(String id) {
    return db.read(tx -> TABLE.find(tx, id, false));
  }

  @Override
  public Environment update(String id, UnaryOperator<Environment> change) {
    return db.write(null, tx -> TABLE.update(tx, id, change));
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

  @Override
  public boolean delete(String id) {
    return db.write(null, tx -> TABLE.delete(tx, id));
  }

  @Override
  public Page<Environment> list(ResourceFilter filter, PageRequest page) {
    return db.read(tx -> TABLE.list(tx, TABLE.select().resource("", filter), page));
  }
}
