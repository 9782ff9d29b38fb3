-- Workspaces (tenants). Everything that existed before belongs to the default workspace.
CREATE TABLE workspaces (
  id         TEXT    PRIMARY KEY,
  name       TEXT    NOT NULL,
  created_at INTEGER NOT NULL
);
INSERT INTO workspaces (id, name, created_at)
  VALUES ('wrkspc_default', 'default', CAST(strftime('%s', 'now') AS INTEGER) * 1000000);

-- ADD COLUMN with a constant default backfills every existing row with it.
ALTER TABLE api_keys ADD COLUMN workspace_id TEXT NOT NULL DEFAULT 'wrkspc_default';
ALTER TABLE agents ADD COLUMN workspace_id TEXT NOT NULL DEFAULT 'wrkspc_default';
ALTER TABLE sessions ADD COLUMN workspace_id TEXT NOT NULL DEFAULT 'wrkspc_default';
ALTER TABLE vaults ADD COLUMN workspace_id TEXT NOT NULL DEFAULT 'wrkspc_default';
CREATE INDEX api_keys_workspace ON api_keys (workspace_id);
CREATE INDEX agents_workspace ON agents (workspace_id, created_at, id);
CREATE INDEX sessions_workspace ON sessions (workspace_id, created_at, id);
CREATE INDEX vaults_workspace ON vaults (workspace_id, created_at, id);

-- Environment names become unique per workspace. SQLite cannot drop a column's UNIQUE
-- constraint, so the table is rebuilt (nothing references it by foreign key).
CREATE TABLE environments_v2 (
  id           TEXT    PRIMARY KEY,
  workspace_id TEXT    NOT NULL DEFAULT 'wrkspc_default',
  name         TEXT    NOT NULL,
  body         TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  archived_at  INTEGER,
  UNIQUE (workspace_id, name)
);
INSERT INTO environments_v2 (id, workspace_id, name, body, created_at, updated_at, archived_at)
  SELECT id, 'wrkspc_default', name, body, created_at, updated_at, archived_at FROM environments;
DROP TABLE environments;
ALTER TABLE environments_v2 RENAME TO environments;
CREATE INDEX environments_created ON environments (created_at, id);
CREATE INDEX environments_workspace ON environments (workspace_id, created_at, id);
