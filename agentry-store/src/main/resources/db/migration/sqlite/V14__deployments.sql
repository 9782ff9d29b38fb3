-- Scheduled deployments (DeploymentRepository). A deployment is a JSON body plus the columns that
-- listings and the scheduler filter on; next_run_at is the next occurrence no node has claimed yet.
-- A claim locks the row, checks next_run_at, moves it on and inserts the occurrence's runs in one
-- transaction; the unique (deployment_id, scheduled_at) index is the second guard that one
-- occurrence has one run (manual runs have no scheduled_at, and NULLs never clash). A run is
-- finished once it has a session or an error.
CREATE TABLE deployments (
  id           TEXT    PRIMARY KEY,
  workspace_id TEXT    NOT NULL,
  agent_id     TEXT    NOT NULL,
  status       TEXT    NOT NULL,
  next_run_at  INTEGER,
  body         TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  archived_at  INTEGER
);
CREATE INDEX deployments_workspace ON deployments (workspace_id, created_at, id);
CREATE INDEX deployments_due ON deployments (next_run_at) WHERE next_run_at IS NOT NULL;

CREATE TABLE deployment_runs (
  id            TEXT    PRIMARY KEY,
  deployment_id TEXT    NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
  workspace_id  TEXT    NOT NULL,
  scheduled_at  INTEGER,
  has_error     INTEGER NOT NULL,
  finished      INTEGER NOT NULL,
  body          TEXT    NOT NULL,
  created_at    INTEGER NOT NULL,
  UNIQUE (deployment_id, scheduled_at)
);
CREATE INDEX deployment_runs_workspace ON deployment_runs (workspace_id, created_at, id);
CREATE INDEX deployment_runs_deployment ON deployment_runs (deployment_id, created_at, id);
-- Runs whose node died between the claim and the session (the scheduler closes them).
CREATE INDEX deployment_runs_unfinished ON deployment_runs (created_at) WHERE finished = 0;
