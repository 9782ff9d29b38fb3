-- The Skills API's records. A skill numbers its versions itself: next_version is one past the
-- highest ever made (numbers are never reused), latest_version the highest left (0: none left).
-- A version's archive lives in the blob store under blob_address, which files may share, so a
-- delete counts references in both tables.
CREATE TABLE skills (
  id             TEXT    PRIMARY KEY,
  workspace_id   TEXT    NOT NULL,
  display_name   TEXT    NOT NULL,
  source         TEXT    NOT NULL,
  latest_version INTEGER NOT NULL,
  next_version   INTEGER NOT NULL,
  created_at     BIGINT  NOT NULL,
  updated_at     BIGINT  NOT NULL
);
CREATE INDEX skills_workspace ON skills (workspace_id, created_at, id);

CREATE TABLE skill_versions (
  skill_id     TEXT    NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
  version      INTEGER NOT NULL,
  name         TEXT    NOT NULL,
  description  TEXT    NOT NULL,
  blob_address TEXT    NOT NULL,
  size_bytes   BIGINT  NOT NULL,
  created_at   BIGINT  NOT NULL,
  PRIMARY KEY (skill_id, version)
);
CREATE INDEX skill_versions_blob ON skill_versions (blob_address);
