package dev.agentry.store;

import dev.agentry.core.CheckpointRepository;
import dev.agentry.core.StoreException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Workspace checkpoints, table {@code session_checkpoints} (V7), and the blobs they use (V16, see
 * {@link SqlCheckpointBlobs}).
 */
final class SqlCheckpoints implements CheckpointRepository {
  private static final String COLUMNS = "session_id, covers_seq, manifest, taken_at";
  private static final RowMapper<Checkpoint> CHECKPOINT =
      rs -> new Checkpoint(rs.getString(1), rs.getLong(2), rs.getString(3), Rows.instant(rs, 4));
  private static final String INSERT =
      "INSERT INTO session_checkpoints ("
          + COLUMNS
          + ", blobs_tracked) SELECT id, ?, ?, ?, 1 FROM sessions WHERE id = ?";
  private static final String REPLACE =
      " ON CONFLICT (session_id, covers_seq) DO UPDATE SET manifest = excluded.manifest,"
          + " taken_at = excluded.taken_at, blobs_tracked = excluded.blobs_tracked";

  private final Database db;
  private final SqlCheckpointBlobs blobs;

  SqlCheckpoints(Database db) {
    this.db = db;
    this.blobs = new SqlCheckpointBlobs(db);
  }

  @Override
  public void pin(String sessionId, Collection<String> addresses, Instant now) {
    blobs.pin(sessionId, addresses, now);
  }

  @Override
  public Checkpoint record(
      String sessionId, long coversSeq, String manifest, Set<String> newBlobs, Instant takenAt) {
    return db.write(
        sessionId,
        tx -> {
          int rows =
              tx.update(INSERT + REPLACE, coversSeq, manifest, Rows.micros(takenAt), sessionId);
          if (rows == 0) {
            throw new StoreException.NotFound("no session " + sessionId);
          }
          SqlCheckpointBlobs.refer(tx, sessionId, with(newBlobs, manifest));
          return find(tx, sessionId, coversSeq).orElseThrow();
        });
  }

  @Override
  public Optional<Checkpoint> record(
      String sessionId,
      long coversSeq,
      String manifest,
      Set<String> newBlobs,
      Instant takenAt,
      long fence) {
    return db.write(
        sessionId,
        tx -> {
          int rows =
              tx.update(
                  INSERT + " AND lease_token = ?" + REPLACE,
                  coversSeq,
                  manifest,
                  Rows.micros(takenAt),
                  sessionId,
                  fence);
          if (rows == 0) {
            if (tx.one("SELECT id FROM sessions WHERE id = ?", rs -> rs.getString(1), sessionId)
                .isEmpty()) {
              throw new StoreException.NotFound("no session " + sessionId);
            }
            return Optional.empty(); // the lease moved on: this copy is not the session's
          }
          SqlCheckpointBlobs.refer(tx, sessionId, with(newBlobs, manifest));
          return find(tx, sessionId, coversSeq);
        });
  }

  @Override
  public Checkpoint copy(Checkpoint from, String toSessionId, long coversSeq, Instant takenAt) {
    return db.write(
        toSessionId,
        tx -> {
          // The copy is tracked only if its original was: an untracked one's blobs are not in
          // the references yet, and its backfill covers the copy too.
          int rows =
              tx.update(
                  "INSERT INTO session_checkpoints ("
                      + COLUMNS
                      + ", blobs_tracked) SELECT id, ?, ?, ?, COALESCE((SELECT blobs_tracked"
                      + " FROM session_checkpoints WHERE session_id = ? AND covers_seq = ?), 0)"
                      + " FROM sessions WHERE id = ?"
                      + REPLACE,
                  coversSeq,
                  from.manifest(),
                  Rows.micros(takenAt),
                  from.sessionId(),
                  from.coversSeq(),
                  toSessionId);
          if (rows == 0) {
            throw new StoreException.NotFound("no session " + toSessionId);
          }
          SqlCheckpointBlobs.copyReferences(tx, from.sessionId(), toSessionId);
          return find(tx, toSessionId, coversSeq).orElseThrow();
        });
  }

  @Override
  public Optional<Checkpoint> latest(String sessionId) {
    return atOrBefore(sessionId, Long.MAX_VALUE);
  }

  @Override
  public Optional<Checkpoint> atOrBefore(String sessionId, long seq) {
    return db.read(
        tx ->
            tx.one(
                "SELECT "
                    + COLUMNS
                    + " FROM session_checkpoints WHERE session_id = ? AND covers_seq <= ?"
                    + " ORDER BY covers_seq DESC LIMIT 1",
                CHECKPOINT,
                sessionId,
                seq));
  }

  @Override
  public int markOrphans(Instant now) {
    return blobs.markOrphans(now);
  }

  @Override
  public List<String> collectable(Instant cutoff, int limit) {
    return blobs.collectable(cutoff, limit);
  }

  @Override
  public boolean collect(String address, Instant cutoff, Consumer<String> delete) {
    return blobs.collect(address, cutoff, delete);
  }

  @Override
  public List<Checkpoint> untracked(int limit) {
    return db.read(
        tx ->
            tx.query(
                "SELECT " + COLUMNS + " FROM session_checkpoints WHERE blobs_tracked = 0 LIMIT ?",
                CHECKPOINT,
                limit));
  }

  @Override
  public void track(Checkpoint checkpoint, Set<String> addresses, Instant now) {
    blobs.track(checkpoint, with(addresses, checkpoint.manifest()), now);
  }

  private static Optional<Checkpoint> find(Tx tx, String sessionId, long coversSeq)
      throws SQLException {
    return tx.one(
        "SELECT " + COLUMNS + " FROM session_checkpoints WHERE session_id = ? AND covers_seq = ?",
        CHECKPOINT,
        sessionId,
        coversSeq);
  }

  /** The addresses, with {@code manifest}, sorted: rows are always locked in one order. */
  private static TreeSet<String> with(Set<String> addresses, String manifest) {
    TreeSet<String> all = new TreeSet<>(addresses);
    all.add(manifest);
    return all;
  }
}
