-- The sweep (SqlClaims) looks for sessions that need a runner: by status (running, rescheduling),
-- and by queued events. Without these it would read every session's row, and walk every log, each
-- time a node sweeps.
CREATE INDEX sessions_status ON sessions (status);
CREATE INDEX events_unprocessed ON events (session_id) WHERE processed_at IS NULL;
