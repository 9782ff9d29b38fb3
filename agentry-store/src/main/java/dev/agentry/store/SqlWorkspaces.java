package dev.agentry.store;

import dev.agentry.core.Workspace;
import dev.agentry.core.WorkspaceRepository;
import java.util.List;
import java.util.Optional;

/** Workspaces; the default one is made by the V2 migration. */
final class SqlWorkspaces implements WorkspaceRepository {
  private static final String COLUMNS = "id, name, created_at";
  private static final RowMapper<Workspace> WORKSPACE =
      rs -> new Workspace(rs.getString(1), rs.getString(2), Rows.instant(rs, 3));

  private final Database db;

  SqlWorkspaces(Database db) {
    this.db = db;
  }

  @Override
  public Workspace create(Workspace workspace) {
    return db.write(
        null,
        tx -> {
          // A clash on id surfaces as Conflict through the writer.
          tx.update(
              "INSERT INTO workspaces (" + COLUMNS + ") VALUES (?, ?, ?)",
              workspace.id(),
              workspace.name(),
              Rows.micros(workspace.createdAt()));
          return tx.one(
                  "SELECT " + COLUMNS + " FROM workspaces WHERE id = ?", WORKSPACE, workspace.id())
              .orElseThrow();
        });
  }

  @Override
  public Optional<Workspace> find(String id) {
    return db.read(
        tx -> tx.one("SELECT " + COLUMNS + " FROM workspaces WHERE id = ?", WORKSPACE, id));
  }

  @Override
  public List<Workspace> list() {
    return db.read(
        tx ->
            tx.query("SELECT " + COLUMNS + " FROM workspaces ORDER BY created_at, id", WORKSPACE));
  }
}
