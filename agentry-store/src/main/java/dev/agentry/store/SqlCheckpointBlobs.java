package dev.agentry.store;

import dev.agentry.core.CheckpointRepository.Checkpoint;
import dev.agentry.core.StoreException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The blobs workspace checkpoints use (V16, ADR 0049): {@code checkpoint_blobs} registers each with
 * its last pin and when it was first found unreferenced; {@code checkpoint_blob_refs} says which
 * sessions' checkpoints refer to it.
 *
 * <p>Why a blob being written is never collected: a writer pins (commits {@code pinned_at = now})
 * before it checks that the blob is stored, and its record locks the blob's row to clear {@code
 * orphaned_at} and fails if the row is gone. The collector locks the row (PostgreSQL {@code FOR
 * UPDATE}; SQLite's single writer serialises the rest), checks afresh that nothing refers to it,
 * and deletes the blob and the row before it lets go. A pin that comes during a collection waits
 * for it, then registers the blob anew and finds it absent, so the writer uploads it again; a pin
 * just before makes the row too young to collect.
 */
final class SqlCheckpointBlobs {
  private static final String UNTRACKED =
      "SELECT 1 FROM session_checkpoints WHERE blobs_tracked = 0";
  private static final String PIN =
      "INSERT INTO checkpoint_blobs (address, pinned_at) VALUES (?, ?)"
          + " ON CONFLICT (address) DO UPDATE SET pinned_at = excluded.pinned_at";

  private final Database db;

  SqlCheckpointBlobs(Database db) {
    this.db = db;
  }

  /**
   * On the session's writer, as its record will be: a pooled connection would compete with every
   * read, and a loaded node's pool running dry would fail checkpoints (seen at 300 sessions).
   */
  void pin(String sessionId, Collection<String> addresses, Instant now) {
    if (addresses.isEmpty()) {
      return;
    }
    SortedSet<String> sorted = new TreeSet<>(addresses);
    long at = Rows.micros(now);
    db.write(
        sessionId,
        tx -> {
          for (String a : sorted) {
            tx.update(PIN, a, at);
          }
          return null;
        });
  }

  /**
   * In a record's transaction: {@code sessionId}'s checkpoints refer to {@code sorted}, each pinned
   * before; clears their orphan marks, in address order.
   *
   * @throws StoreException.Conflict if one was collected since its pin
   */
  static void refer(Tx tx, String sessionId, SortedSet<String> sorted) throws SQLException {
    for (String a : sorted) {
      if (tx.update("UPDATE checkpoint_blobs SET orphaned_at = NULL WHERE address = ?", a) == 0) {
        throw new StoreException.Conflict(
            "checkpoint blob "
                + a
                + " was collected after it was pinned (the checkpoint took longer than the"
                + " collector's grace period); the next checkpoint uploads it again");
      }
      tx.update(
          "INSERT INTO checkpoint_blob_refs (session_id, address) VALUES (?, ?)"
              + " ON CONFLICT DO NOTHING",
          sessionId,
          a);
    }
  }

  /** In a fork's transaction: {@code to} refers to every blob {@code from} refers to. */
  static void copyReferences(Tx tx, String from, String to) throws SQLException {
    tx.update(
        "INSERT INTO checkpoint_blob_refs (session_id, address)"
            + " SELECT ?, address FROM checkpoint_blob_refs WHERE session_id = ?"
            + " ON CONFLICT DO NOTHING",
        to,
        from);
  }

  int markOrphans(Instant now) {
    return db.transact(
        tx ->
            tx.update(
                "UPDATE checkpoint_blobs SET orphaned_at = ? WHERE orphaned_at IS NULL"
                    + " AND NOT EXISTS (SELECT 1 FROM checkpoint_blob_refs r"
                    + " WHERE r.address = checkpoint_blobs.address)",
                Rows.micros(now)));
  }

  List<String> collectable(Instant cutoff, int limit) {
    long before = Rows.micros(cutoff);
    return db.read(
        tx ->
            tx.query(
                "SELECT address FROM checkpoint_blobs WHERE orphaned_at IS NOT NULL"
                    + " AND orphaned_at < ? AND pinned_at < ? AND NOT EXISTS ("
                    + UNTRACKED
                    + ") LIMIT ?",
                rs -> rs.getString(1),
                before,
                before,
                limit));
  }

  boolean collect(String address, Instant cutoff, Consumer<String> delete) {
    long before = Rows.micros(cutoff);
    return db.transact(
        tx -> {
          boolean candidate =
              tx.exists(
                  "SELECT address FROM checkpoint_blobs WHERE address = ?"
                      + " AND orphaned_at IS NOT NULL AND orphaned_at < ? AND pinned_at < ?"
                      + tx.dialect().forUpdate(),
                  address,
                  before,
                  before);
          if (!candidate || tx.exists(UNTRACKED)) {
            return false;
          }
          // A fresh look now that the row is held: a record that committed while this waited for
          // the lock is seen here.
          if (tx.exists("SELECT 1 FROM checkpoint_blob_refs WHERE address = ?", address)) {
            tx.update("UPDATE checkpoint_blobs SET orphaned_at = NULL WHERE address = ?", address);
            return false;
          }
          boolean sharedBytes = SqlSkills.countFilesAndSkills(tx, address) > 0;
          if (!sharedBytes) {
            delete.accept(address);
          }
          // A file or skill version with the same bytes owns the blob now: only forget it here
          // (deleting that file counts this registry, which no longer holds it).
          tx.update("DELETE FROM checkpoint_blobs WHERE address = ?", address);
          return !sharedBytes;
        });
  }

  void track(Checkpoint c, SortedSet<String> sorted, Instant now) {
    long at = Rows.micros(now);
    db.write(
        c.sessionId(),
        tx -> {
          for (String a : sorted) {
            tx.update(PIN, a, at);
            tx.update(
                "INSERT INTO checkpoint_blob_refs (session_id, address)"
                    + " SELECT id, ? FROM sessions WHERE id = ? ON CONFLICT DO NOTHING",
                a,
                c.sessionId());
          }
          tx.update(
              "UPDATE session_checkpoints SET blobs_tracked = 1"
                  + " WHERE session_id = ? AND covers_seq = ? AND manifest = ?",
              c.sessionId(),
              c.coversSeq(),
              c.manifest());
          return null;
        });
  }
}
