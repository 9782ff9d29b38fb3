-- Memory stores (MemoryRepository). A store is a JSON body plus the columns listings filter on.
-- Memories are plain columns: a store's paths are unique, and its writes lock the store's row so
-- that the ancestor rule, the 2,000-memory cap and content_sha256 preconditions hold across nodes.
-- Versions outlive the memory they record (deleted ones included) and go with their store.
CREATE TABLE memory_stores (
  id           TEXT    PRIMARY KEY,
  workspace_id TEXT    NOT NULL,
  body         TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  archived_at  INTEGER
);
CREATE INDEX memory_stores_workspace ON memory_stores (workspace_id, created_at, id);

CREATE TABLE memories (
  id                 TEXT    PRIMARY KEY,
  store_id           TEXT    NOT NULL REFERENCES memory_stores (id) ON DELETE CASCADE,
  path               TEXT    NOT NULL,
  content            TEXT    NOT NULL,
  content_sha256     TEXT    NOT NULL,
  content_size_bytes INTEGER NOT NULL,
  version_id         TEXT    NOT NULL,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  UNIQUE (store_id, path)
);

CREATE TABLE memory_versions (
  id                 TEXT    PRIMARY KEY,
  store_id           TEXT    NOT NULL REFERENCES memory_stores (id) ON DELETE CASCADE,
  memory_id          TEXT    NOT NULL,
  operation          TEXT    NOT NULL,
  content            TEXT,
  content_sha256     TEXT,
  content_size_bytes INTEGER,
  path               TEXT,
  actor_type         TEXT    NOT NULL,
  actor_id           TEXT    NOT NULL,
  redacted_at        INTEGER,
  redacted_by_type   TEXT,
  redacted_by_id     TEXT,
  created_at         INTEGER NOT NULL
);
CREATE INDEX memory_versions_store ON memory_versions (store_id, created_at, id);
CREATE INDEX memory_versions_memory ON memory_versions (store_id, memory_id, created_at, id);
