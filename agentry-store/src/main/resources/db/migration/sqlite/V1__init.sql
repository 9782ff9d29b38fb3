-- Timestamps are epoch microseconds so that they round-trip exactly; bodies are JSON text.
CREATE TABLE agents (
  id             TEXT    PRIMARY KEY,
  created_at     INTEGER NOT NULL,
  latest_version INTEGER NOT NULL,
  archived_at    INTEGER
);
CREATE INDEX agents_created ON agents (created_at, id);

CREATE TABLE agent_versions (
  agent_id   TEXT    NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  version    INTEGER NOT NULL,
  spec       TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (agent_id, version)
);

CREATE TABLE environments (
  id          TEXT    PRIMARY KEY,
  name        TEXT    NOT NULL UNIQUE,
  body        TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  archived_at INTEGER
);
CREATE INDEX environments_created ON environments (created_at, id);

-- last_seq is kept by the PostgreSQL appender; SQLite's single writer keeps it in memory.
CREATE TABLE sessions (
  id               TEXT    PRIMARY KEY,
  agent_id         TEXT    NOT NULL,
  agent_version    INTEGER NOT NULL,
  environment_id   TEXT,
  status           TEXT    NOT NULL,
  title            TEXT,
  body             TEXT    NOT NULL,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  archived_at      INTEGER,
  last_seq         INTEGER NOT NULL DEFAULT 0,
  lease_owner      TEXT,
  lease_token      INTEGER NOT NULL DEFAULT 0,
  lease_expires_at INTEGER
);
CREATE INDEX sessions_created ON sessions (created_at, id);
CREATE INDEX sessions_agent ON sessions (agent_id, agent_version);

CREATE TABLE events (
  session_id   TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  seq          INTEGER NOT NULL,
  id           TEXT    NOT NULL UNIQUE,
  type         TEXT    NOT NULL,
  payload      TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  processed_at INTEGER,
  PRIMARY KEY (session_id, seq)
);
CREATE INDEX events_type ON events (session_id, type, seq);

CREATE TABLE vaults (
  id          TEXT    PRIMARY KEY,
  body        TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  archived_at INTEGER
);
CREATE INDEX vaults_created ON vaults (created_at, id);

CREATE TABLE credentials (
  id             TEXT    PRIMARY KEY,
  vault_id       TEXT    NOT NULL REFERENCES vaults (id) ON DELETE CASCADE,
  body           TEXT    NOT NULL,
  sealed_secrets BLOB    NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  archived_at    INTEGER
);
CREATE INDEX credentials_created ON credentials (vault_id, created_at, id);

CREATE TABLE api_keys (
  id          TEXT    PRIMARY KEY,
  name        TEXT    NOT NULL,
  secret_hash TEXT    NOT NULL UNIQUE,
  role        TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);
