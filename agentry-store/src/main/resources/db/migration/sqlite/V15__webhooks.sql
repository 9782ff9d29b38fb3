-- Webhooks (WebhookRepository, ADR 0045). Changes reach the outbox through triggers, so an outbox
-- row commits in the same transaction as the change it reports, whichever code path made it; the
-- triggers write nothing while no endpoint is enabled. The dispatcher fans each outbox row out to
-- the endpoints subscribed at that moment (one delivery row each, the event's id fixed there) and
-- deletes it, in one transaction; a delivery row is deleted once its endpoint answered 2xx.
CREATE TABLE webhook_endpoints (
  id                   TEXT    PRIMARY KEY,
  workspace_id         TEXT    NOT NULL,
  url                  TEXT    NOT NULL,
  types                TEXT    NOT NULL,
  description          TEXT,
  sealed_secret        BLOB    NOT NULL,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  disabled_at          INTEGER,
  disabled_reason      TEXT,
  created_at           INTEGER NOT NULL,
  updated_at           INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id, created_at, id);
CREATE INDEX webhook_endpoints_enabled ON webhook_endpoints (disabled_at);

CREATE TABLE webhook_outbox (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  type         TEXT    NOT NULL,
  resource_id  TEXT    NOT NULL,
  workspace_id TEXT    NOT NULL,
  related_id   TEXT,
  created_at   INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
  event_id        TEXT    NOT NULL,
  endpoint_id     TEXT    NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  payload         TEXT    NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  PRIMARY KEY (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at);

-- Sessions: lifecycle from the sessions table, status and threads from the event log.
CREATE TRIGGER webhook_session_created AFTER INSERT ON sessions
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('session.created', NEW.id, NEW.workspace_id, NEW.created_at);
END;

CREATE TRIGGER webhook_session_archived AFTER UPDATE OF archived_at ON sessions
WHEN OLD.archived_at IS NULL AND NEW.archived_at IS NOT NULL
  AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('session.archived', NEW.id, NEW.workspace_id, NEW.archived_at);
END;

CREATE TRIGGER webhook_session_deleted AFTER DELETE ON sessions
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('session.deleted', OLD.id, OLD.workspace_id,
          CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;

CREATE TRIGGER webhook_session_events AFTER INSERT ON events
WHEN NEW.type IN ('session.status_running', 'session.status_idle', 'session.status_rescheduled',
                  'session.status_terminated', 'session.updated', 'session.thread_created',
                  'session.thread_status_idle', 'session.thread_status_terminated',
                  'span.outcome_evaluation_end')
  AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, related_id, created_at)
  SELECT t.type, NEW.session_id, s.workspace_id, t.related, NEW.created_at
  FROM sessions s, (
    SELECT 'session.status_run_started' AS type, NULL AS related
      WHERE NEW.type = 'session.status_running'
    UNION ALL SELECT 'session.running', NULL WHERE NEW.type = 'session.status_running'
    UNION ALL SELECT 'session.status_idled', NULL WHERE NEW.type = 'session.status_idle'
    UNION ALL SELECT 'session.idled', NULL WHERE NEW.type = 'session.status_idle'
    UNION ALL SELECT 'session.requires_action', NULL
      WHERE NEW.type = 'session.status_idle'
        AND json_extract(NEW.payload, '$.stop_reason.type') = 'requires_action'
    UNION ALL SELECT 'session.budget_reached', NULL
      WHERE NEW.type = 'session.status_idle'
        AND json_extract(NEW.payload, '$.stop_reason.type') = 'budget_reached'
    UNION ALL SELECT 'session.status_rescheduled', NULL
      WHERE NEW.type = 'session.status_rescheduled'
    UNION ALL SELECT 'session.status_terminated', NULL
      WHERE NEW.type = 'session.status_terminated'
    UNION ALL SELECT 'session.updated', NULL WHERE NEW.type = 'session.updated'
    UNION ALL SELECT 'session.thread_created', json_extract(NEW.payload, '$.session_thread_id')
      WHERE NEW.type = 'session.thread_created'
    UNION ALL SELECT 'session.thread_idled', json_extract(NEW.payload, '$.session_thread_id')
      WHERE NEW.type = 'session.thread_status_idle'
    UNION ALL SELECT 'session.thread_terminated', json_extract(NEW.payload, '$.session_thread_id')
      WHERE NEW.type = 'session.thread_status_terminated'
    UNION ALL SELECT 'session.outcome_evaluation_ended', NULL
      WHERE NEW.type = 'span.outcome_evaluation_end'
  ) t
  WHERE s.id = NEW.session_id;
END;

-- Agents: an update is a new version.
CREATE TRIGGER webhook_agent_created AFTER INSERT ON agents
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('agent.created', NEW.id, NEW.workspace_id, NEW.created_at);
END;

CREATE TRIGGER webhook_agent_updated AFTER INSERT ON agent_versions
WHEN NEW.version > 1 AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  SELECT 'agent.updated', a.id, a.workspace_id, NEW.updated_at FROM agents a
  WHERE a.id = NEW.agent_id;
END;

CREATE TRIGGER webhook_agent_archived AFTER UPDATE OF archived_at ON agents
WHEN OLD.archived_at IS NULL AND NEW.archived_at IS NOT NULL
  AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('agent.archived', NEW.id, NEW.workspace_id, NEW.archived_at);
END;

CREATE TRIGGER webhook_agent_deleted AFTER DELETE ON agents
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('agent.deleted', OLD.id, OLD.workspace_id,
          CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;

-- Environments.
CREATE TRIGGER webhook_environment_created AFTER INSERT ON environments
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('environment.created', NEW.id, NEW.workspace_id, NEW.created_at);
END;

CREATE TRIGGER webhook_environment_updated AFTER UPDATE ON environments
WHEN (OLD.archived_at IS NULL) = (NEW.archived_at IS NULL)
  AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('environment.updated', NEW.id, NEW.workspace_id, NEW.updated_at);
END;

CREATE TRIGGER webhook_environment_archived AFTER UPDATE OF archived_at ON environments
WHEN OLD.archived_at IS NULL AND NEW.archived_at IS NOT NULL
  AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('environment.archived', NEW.id, NEW.workspace_id, NEW.archived_at);
END;

CREATE TRIGGER webhook_environment_deleted AFTER DELETE ON environments
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('environment.deleted', OLD.id, OLD.workspace_id,
          CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;

-- Vaults and their credentials.
CREATE TRIGGER webhook_vault_created AFTER INSERT ON vaults
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('vault.created', NEW.id, NEW.workspace_id, NEW.created_at);
END;

CREATE TRIGGER webhook_vault_archived AFTER UPDATE OF archived_at ON vaults
WHEN OLD.archived_at IS NULL AND NEW.archived_at IS NOT NULL
  AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('vault.archived', NEW.id, NEW.workspace_id, NEW.archived_at);
END;

CREATE TRIGGER webhook_vault_deleted AFTER DELETE ON vaults
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('vault.deleted', OLD.id, OLD.workspace_id,
          CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;

CREATE TRIGGER webhook_credential_created AFTER INSERT ON credentials
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, related_id, created_at)
  SELECT 'vault_credential.created', NEW.id, v.workspace_id, NEW.vault_id, NEW.created_at
  FROM vaults v WHERE v.id = NEW.vault_id;
END;

CREATE TRIGGER webhook_credential_archived AFTER UPDATE OF archived_at ON credentials
WHEN OLD.archived_at IS NULL AND NEW.archived_at IS NOT NULL
  AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, related_id, created_at)
  SELECT 'vault_credential.archived', NEW.id, v.workspace_id, NEW.vault_id, NEW.archived_at
  FROM vaults v WHERE v.id = NEW.vault_id;
END;

-- A vault's deletion takes its credentials with it: their rows go after the vault's, so the
-- workspace is the default one's unless the vault is still there.
CREATE TRIGGER webhook_credential_deleted AFTER DELETE ON credentials
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, related_id, created_at)
  VALUES ('vault_credential.deleted', OLD.id,
          COALESCE((SELECT workspace_id FROM vaults WHERE id = OLD.vault_id), 'wrkspc_default'),
          OLD.vault_id, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;

-- Memory stores.
CREATE TRIGGER webhook_memory_store_created AFTER INSERT ON memory_stores
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('memory_store.created', NEW.id, NEW.workspace_id, NEW.created_at);
END;

CREATE TRIGGER webhook_memory_store_archived AFTER UPDATE OF archived_at ON memory_stores
WHEN OLD.archived_at IS NULL AND NEW.archived_at IS NOT NULL
  AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('memory_store.archived', NEW.id, NEW.workspace_id, NEW.archived_at);
END;

CREATE TRIGGER webhook_memory_store_deleted AFTER DELETE ON memory_stores
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_outbox (type, resource_id, workspace_id, created_at)
  VALUES ('memory_store.deleted', OLD.id, OLD.workspace_id,
          CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
