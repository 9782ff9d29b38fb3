package dev.agentry.store;

import dev.agentry.core.Page;
import dev.agentry.core.PageRequest;
import dev.agentry.core.ResourceFilter;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The operations every {@link DocTable}-backed repository has; unkeyed writes. Its table has a
 * {@code workspace_id} column.
 */
abstract class DocRepository<T> {
  protected final Database db;
  protected final DocTable<T> table;

  DocRepository(Database db, DocTable<T> table) {
    this.db = db;
    this.table = table;
  }

  public T create(String workspaceId, T value) {
    return db.write(null, tx -> table.insert(tx, workspaceId, value));
  }

  public Optional<T> find(String id) {
    return db.read(tx -> table.find(tx, id, false));
  }

  public Optional<T> find(String workspaceId, String id) {
    return db.read(tx -> table.find(tx, workspaceId, id));
  }

  public T update(String id, UnaryOperator<T> change) {
    return db.write(null, tx -> table.update(tx, id, change));
  }

  public boolean delete(String id) {
    return db.write(null, tx -> table.delete(tx, id));
  }

  public Page<T> list(ResourceFilter filter, PageRequest page) {
    return db.read(tx -> table.list(tx, table.select().resource("", filter), page));
  }

  public Page<T> list(String workspaceId, ResourceFilter filter, PageRequest page) {
    return db.read(
        tx ->
            table.list(
                tx,
                table.select().and("workspace_id = ?", workspaceId).resource("", filter),
                page));
  }
}
