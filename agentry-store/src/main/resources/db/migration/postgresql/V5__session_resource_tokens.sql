-- The authorization tokens of sessions' repository resources, sealed (AES-GCM, bound to
-- session and resource). Kept out of the session body, which the API shows.
CREATE TABLE session_resource_tokens (
  session_id   TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  resource_id  TEXT    NOT NULL,
  sealed_token BYTEA   NOT NULL,
  updated_at   BIGINT  NOT NULL,
  PRIMARY KEY (session_id, resource_id)
);
