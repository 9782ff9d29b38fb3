-- Every append had to write a leaf page of this index per session it touched, on top of the
-- primary key's; with many sessions appending at once that doubled the pages each commit writes.
-- A listing filtered by type now walks the session's log in seq order through the primary key
-- (session_id, seq) and skips the other types (docs/decisions/0018-no-event-type-index.md).
DROP INDEX events_type;
