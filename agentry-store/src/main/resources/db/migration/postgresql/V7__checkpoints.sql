-- Workspace checkpoints (CheckpointRepository): the manifest blob of a session's workspace as of its
-- log through covers_seq. Every checkpoint is kept, so a fork from an earlier event finds the one
-- taken at or before it; they go with the session.
CREATE TABLE session_checkpoints (
  session_id  TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  covers_seq  BIGINT  NOT NULL,
  manifest    TEXT    NOT NULL,
  taken_at    BIGINT  NOT NULL,
  PRIMARY KEY (session_id, covers_seq)
);
