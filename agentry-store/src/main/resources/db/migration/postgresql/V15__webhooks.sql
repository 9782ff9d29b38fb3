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
  sealed_secret        BYTEA   NOT NULL,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  disabled_at          BIGINT,
  disabled_reason      TEXT,
  created_at           BIGINT  NOT NULL,
  updated_at           BIGINT  NOT NULL
);
CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id, created_at, id);
CREATE INDEX webhook_endpoints_enabled ON webhook_endpoints (disabled_at);

CREATE TABLE webhook_outbox (
  seq          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type         TEXT    NOT NULL,
  resource_id  TEXT    NOT NULL,
  workspace_id TEXT    NOT NULL,
  related_id   TEXT,
  created_at   BIGINT  NOT NULL
);

CREATE TABLE webhook_deliveries (
  event_id        TEXT    NOT NULL,
  endpoint_id     TEXT    NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  payload         TEXT    NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT  NOT NULL,
  last_error      TEXT,
  PRIMARY KEY (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at);

CREATE FUNCTION webhook_now() RETURNS BIGINT LANGUAGE sql AS
$$ SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::BIGINT $$;

-- Queues one outbox row unless no endpoint is enabled.
CREATE FUNCTION webhook_emit(etype TEXT, rid TEXT, wid TEXT, related TEXT, at BIGINT)
RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL) THEN
    INSERT INTO webhook_outbox (type, resource_id, workspace_id, related_id, created_at)
    VALUES (etype, rid, wid, related, at);
  END IF;
END $$;

-- Sessions, agents, environments, vaults and memory stores share one shape: created, archived
-- (archived_at set), deleted; TG_ARGV[0] is the type prefix, TG_ARGV[1] 'updates' when an update
-- that does not archive is reported too.
CREATE FUNCTION webhook_resource_change() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM webhook_emit(TG_ARGV[0] || '.created', NEW.id, NEW.workspace_id, NULL, NEW.created_at);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM webhook_emit(TG_ARGV[0] || '.deleted', OLD.id, OLD.workspace_id, NULL, webhook_now());
  ELSIF OLD.archived_at IS NULL AND NEW.archived_at IS NOT NULL THEN
    PERFORM webhook_emit(TG_ARGV[0] || '.archived', NEW.id, NEW.workspace_id, NULL, NEW.archived_at);
  ELSIF TG_NARGS > 1 AND TG_ARGV[1] = 'updates'
        AND (OLD.archived_at IS NULL) = (NEW.archived_at IS NULL) THEN
    PERFORM webhook_emit(TG_ARGV[0] || '.updated', NEW.id, NEW.workspace_id, NULL, NEW.updated_at);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER webhook_session_change AFTER INSERT OR DELETE OR UPDATE OF archived_at ON sessions
FOR EACH ROW EXECUTE FUNCTION webhook_resource_change('session');
CREATE TRIGGER webhook_agent_change AFTER INSERT OR DELETE OR UPDATE OF archived_at ON agents
FOR EACH ROW EXECUTE FUNCTION webhook_resource_change('agent');
CREATE TRIGGER webhook_environment_change AFTER INSERT OR DELETE OR UPDATE ON environments
FOR EACH ROW EXECUTE FUNCTION webhook_resource_change('environment', 'updates');
CREATE TRIGGER webhook_vault_change AFTER INSERT OR DELETE OR UPDATE OF archived_at ON vaults
FOR EACH ROW EXECUTE FUNCTION webhook_resource_change('vault');
CREATE TRIGGER webhook_memory_store_change
AFTER INSERT OR DELETE OR UPDATE OF archived_at ON memory_stores
FOR EACH ROW EXECUTE FUNCTION webhook_resource_change('memory_store');

-- An agent's update is a new version.
CREATE FUNCTION webhook_agent_version() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  PERFORM webhook_emit('agent.updated', a.id, a.workspace_id, NULL, NEW.updated_at)
  FROM agents a WHERE a.id = NEW.agent_id;
  RETURN NULL;
END $$;
CREATE TRIGGER webhook_agent_updated AFTER INSERT ON agent_versions
FOR EACH ROW WHEN (NEW.version > 1) EXECUTE FUNCTION webhook_agent_version();

-- A vault's credentials: the vault's id rides along. A vault's deletion takes its credentials
-- with it, after the vault's row: then the workspace is the default one's.
CREATE FUNCTION webhook_credential_change() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
  wid TEXT;
BEGIN
  IF TG_OP = 'DELETE' THEN
    SELECT workspace_id INTO wid FROM vaults WHERE id = OLD.vault_id;
    PERFORM webhook_emit('vault_credential.deleted', OLD.id, COALESCE(wid, 'wrkspc_default'),
                         OLD.vault_id, webhook_now());
    RETURN NULL;
  END IF;
  SELECT workspace_id INTO wid FROM vaults WHERE id = NEW.vault_id;
  IF TG_OP = 'INSERT' THEN
    PERFORM webhook_emit('vault_credential.created', NEW.id, wid, NEW.vault_id, NEW.created_at);
  ELSIF OLD.archived_at IS NULL AND NEW.archived_at IS NOT NULL THEN
    PERFORM webhook_emit('vault_credential.archived', NEW.id, wid, NEW.vault_id, NEW.archived_at);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER webhook_credential_change
AFTER INSERT OR DELETE OR UPDATE OF archived_at ON credentials
FOR EACH ROW EXECUTE FUNCTION webhook_credential_change();

-- Status changes, threads and outcome evaluations come from the session's event log.
CREATE FUNCTION webhook_session_event() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
  wid TEXT;
  stop TEXT;
  thread TEXT;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL) THEN
    RETURN NULL;
  END IF;
  SELECT workspace_id INTO wid FROM sessions WHERE id = NEW.session_id;
  thread := NEW.payload::jsonb ->> 'session_thread_id';
  CASE NEW.type
    WHEN 'session.status_running' THEN
      PERFORM webhook_emit('session.status_run_started', NEW.session_id, wid, NULL, NEW.created_at);
      PERFORM webhook_emit('session.running', NEW.session_id, wid, NULL, NEW.created_at);
    WHEN 'session.status_idle' THEN
      PERFORM webhook_emit('session.status_idled', NEW.session_id, wid, NULL, NEW.created_at);
      PERFORM webhook_emit('session.idled', NEW.session_id, wid, NULL, NEW.created_at);
      stop := NEW.payload::jsonb -> 'stop_reason' ->> 'type';
      IF stop = 'requires_action' THEN
        PERFORM webhook_emit('session.requires_action', NEW.session_id, wid, NULL, NEW.created_at);
      ELSIF stop = 'budget_reached' THEN
        PERFORM webhook_emit('session.budget_reached', NEW.session_id, wid, NULL, NEW.created_at);
      END IF;
    WHEN 'session.status_rescheduled' THEN
      PERFORM webhook_emit('session.status_rescheduled', NEW.session_id, wid, NULL, NEW.created_at);
    WHEN 'session.status_terminated' THEN
      PERFORM webhook_emit('session.status_terminated', NEW.session_id, wid, NULL, NEW.created_at);
    WHEN 'session.updated' THEN
      PERFORM webhook_emit('session.updated', NEW.session_id, wid, NULL, NEW.created_at);
    WHEN 'session.thread_created' THEN
      PERFORM webhook_emit('session.thread_created', NEW.session_id, wid, thread, NEW.created_at);
    WHEN 'session.thread_status_idle' THEN
      PERFORM webhook_emit('session.thread_idled', NEW.session_id, wid, thread, NEW.created_at);
    WHEN 'session.thread_status_terminated' THEN
      PERFORM webhook_emit('session.thread_terminated', NEW.session_id, wid, thread, NEW.created_at);
    WHEN 'span.outcome_evaluation_end' THEN
      PERFORM webhook_emit('session.outcome_evaluation_ended', NEW.session_id, wid, NULL,
                           NEW.created_at);
    ELSE
      NULL;
  END CASE;
  RETURN NULL;
END $$;
CREATE TRIGGER webhook_session_events AFTER INSERT ON events
FOR EACH ROW WHEN (NEW.type IN ('session.status_running', 'session.status_idle',
                               'session.status_rescheduled', 'session.status_terminated',
                               'session.updated', 'session.thread_created',
                               'session.thread_status_idle', 'session.thread_status_terminated',
                               'span.outcome_evaluation_end'))
EXECUTE FUNCTION webhook_session_event();
