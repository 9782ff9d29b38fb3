package dev.agentry.core;

import java.util.List;
import java.util.Optional;

/** Workspaces (tenants). */
public interface WorkspaceRepository {
  /**
   * @throws StoreException.Conflict if a workspace with that id exists
   */
  Workspace create(Workspace workspace);

  Optional<Workspace> find(String id);

  /** All workspaces, oldest first. */
  List<Workspace> list();
}
