-- Checkpoint blob references (ADR 0049): which blobs the workspace checkpoints use, so that the
-- collector deletes a blob only when no checkpoint refers to it and it has been unreferenced for a
-- grace period. A checkpoint reuses stored blobs without uploading them (content addressing), so
-- the blob store's own dates say nothing about whether a blob is still needed; these rows do.

-- Every blob a checkpoint has used or is about to use. pinned_at: the last time a checkpoint being
-- written said it will refer to the blob (before checking it exists or uploading it); orphaned_at:
-- when the collector first found no session referring to it (NULL while one does).
CREATE TABLE checkpoint_blobs (
  address      TEXT    PRIMARY KEY,
  pinned_at    BIGINT  NOT NULL,
  orphaned_at  BIGINT
);
CREATE INDEX checkpoint_blobs_orphaned ON checkpoint_blobs (orphaned_at);

-- The blobs each session's checkpoints refer to (the manifest and every file's bytes), kept as long
-- as the session is: a session keeps all its checkpoints so a fork from any event restores the
-- workspace as it was then. A deleted session's rows go with it, and its blobs become orphans.
CREATE TABLE checkpoint_blob_refs (
  session_id  TEXT  NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  address     TEXT  NOT NULL REFERENCES checkpoint_blobs (address),
  PRIMARY KEY (session_id, address)
);
CREATE INDEX checkpoint_blob_refs_address ON checkpoint_blob_refs (address);

-- Checkpoints recorded before V16 have no reference rows: the collector backfills them from their
-- manifests (setting blobs_tracked) and deletes nothing while any is left.
ALTER TABLE session_checkpoints ADD COLUMN blobs_tracked INTEGER NOT NULL DEFAULT 0;
