-- The Files API's records. The bytes live in the blob store under blob_address (the SHA-256 of the
-- content); records that uploaded the same bytes share one blob, so deletes count references by it.
CREATE TABLE files (
  id               TEXT    PRIMARY KEY,
  workspace_id     TEXT    NOT NULL,
  filename         TEXT    NOT NULL,
  mime_type        TEXT    NOT NULL,
  size_bytes       BIGINT  NOT NULL,
  blob_address     TEXT    NOT NULL,
  downloadable     INTEGER NOT NULL,
  created_at       BIGINT  NOT NULL,
  expires_at       BIGINT,
  scope_session_id TEXT
);
CREATE INDEX files_workspace ON files (workspace_id, created_at, id);
CREATE INDEX files_scope ON files (workspace_id, scope_session_id, created_at, id);
CREATE INDEX files_blob ON files (blob_address);
CREATE INDEX files_expires ON files (expires_at) WHERE expires_at IS NOT NULL;
