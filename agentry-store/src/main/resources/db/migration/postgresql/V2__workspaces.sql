-- Workspaces (tenants). Everything that existed before belongs to the default workspace.
CREATE TABLE workspaces (
  id         TEXT    PRIMARY KEY,
  name       TEXT    NOT NULL,
  created_at BIGINT  NOT NULL
);
INSERT INTO workspaces (id, name, created_at)
  VALUES ('wrkspc_default', 'default', (EXTRACT(EPOCH FROM now()) * 1000000)::BIGINT);

-- ADD COLUMN with a constant default backfills every existing row with it.
ALTER TABLE api_keys ADD COLUMN workspace_id TEXT NOT NULL DEFAULT 'wrkspc_default';
ALTER TABLE agents ADD COLUMN workspace_id TEXT NOT NULL DEFAULT 'wrkspc_default';
ALTER TABLE environments ADD COLUMN workspace_id TEXT NOT NULL DEFAULT 'wrkspc_default';
ALTER TABLE sessions ADD COLUMN workspace_id TEXT NOT NULL DEFAULT 'wrkspc_default';
ALTER TABLE vaults ADD COLUMN workspace_id TEXT NOT NULL DEFAULT 'wrkspc_default';
CREATE INDEX api_keys_workspace ON api_keys (workspace_id);
CREATE INDEX agents_workspace ON agents (workspace_id, created_at, id);
CREATE INDEX environments_workspace ON environments (workspace_id, created_at, id);
CREATE INDEX sessions_workspace ON sessions (workspace_id, created_at, id);
CREATE INDEX vaults_workspace ON vaults (workspace_id, created_at, id);

-- Environment names become unique per workspace.
ALTER TABLE environments DROP CONSTRAINT environments_name_key;
ALTER TABLE environments ADD CONSTRAINT environments_workspace_name_key UNIQUE (workspace_id, name);
