-- The work queues of self_hosted environments (WorkRepository, docs/decisions/0038). An item is
-- one session whose built-in tool calls wait for a worker; at most one item of a session is not
-- stopped. token_hash is the SHA-256 of the item token of the poll that last handed the item out.
CREATE TABLE work_items (
  id                  TEXT    PRIMARY KEY,
  workspace_id        TEXT    NOT NULL,
  environment_id      TEXT    NOT NULL,
  session_id          TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  state               TEXT    NOT NULL,
  metadata            TEXT    NOT NULL,
  created_at          BIGINT  NOT NULL,
  polled_at           BIGINT,
  worker_id           TEXT,
  token_hash          TEXT,
  acknowledged_at     BIGINT,
  started_at          BIGINT,
  latest_heartbeat_at BIGINT,
  ttl_seconds         INTEGER NOT NULL,
  lease_expires_at    BIGINT,
  stop_requested_at   BIGINT,
  stopped_at          BIGINT,
  lapsed              INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX work_items_queue ON work_items (environment_id, state, created_at);
CREATE UNIQUE INDEX work_items_open_session ON work_items (session_id) WHERE state <> 'stopped';
CREATE INDEX work_items_token ON work_items (token_hash);

-- Who polled an environment lately (work/stats workers_polling).
CREATE TABLE work_pollers (
  environment_id TEXT   NOT NULL,
  worker_id      TEXT   NOT NULL,
  last_poll_at   BIGINT NOT NULL,
  PRIMARY KEY (environment_id, worker_id)
);

-- Environment keys (poll and ack), by SHA-256 of the secret; the secret is shown once.
CREATE TABLE environment_keys (
  id             TEXT   PRIMARY KEY,
  workspace_id   TEXT   NOT NULL,
  environment_id TEXT   NOT NULL,
  name           TEXT,
  secret_hash    TEXT   NOT NULL UNIQUE,
  created_at     BIGINT NOT NULL,
  revoked_at     BIGINT
);
CREATE INDEX environment_keys_environment ON environment_keys (environment_id, created_at);
