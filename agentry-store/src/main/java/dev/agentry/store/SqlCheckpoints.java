package dev.agentry.store;

import dev.agentry.core.CheckpointRepository;
import dev.agentry.core.StoreException;
import java.time.Instant;
import java.util.Optional;

/** Workspace checkpoints, table {@code session_checkpoints} (V7). */
final class SqlCheckpoints implements CheckpointRepository {
  private static final String COLUMNS = "session_id, covers_seq, manifest, taken_at";
  private static final RowMapper<Checkpoint> CHECKPOINT =
      rs -> new Checkpoint(rs.getString(1), rs.getLong(2), rs.getString(3), Rows.instant(rs, 4));

  private final Database db;

  SqlCheckpoints(Database db) {
    this.db = db;
  }

  @Override
  public Checkpoint record(String sessionId, long coversSeq, String manifest, Instant takenAt) {
    return db.write(
        sessionId,
        tx -> {
          int rows =
              tx.update(
                  "INSERT INTO session_checkpoints ("
                      + COLUMNS
                      + ") SELECT id, ?, ?, ? FROM sessions WHERE id = ?"
                      + " ON CONFLICT (session_id, covers_seq)"
                      + " DO UPDATE SET manifest = excluded.manifest, taken_at = excluded.taken_at",
                  coversSeq,
                  manifest,
                  Rows.micros(takenAt),
                  sessionId);
          if (rows == 0) {
            throw new StoreException.NotFound("no session " + sessionId);
          }
          return tx.one(
                  "SELECT "
                      + COLUMNS
                      + " FROM session_checkpoints WHERE session_id = ? AND covers_seq = ?",
                  CHECKPOINT,
                  sessionId,
                  coversSeq)
              .orElseThrow();
        });
  }

  @Override
  public Optional<Checkpoint> record(
      String sessionId, long coversSeq, String manifest, Instant takenAt, long fence) {
    return db.write(
        sessionId,
        tx -> {
          int rows =
              tx.update(
                  "INSERT INTO session_checkpoints ("
                      + COLUMNS
                      + ") SELECT id, ?, ?, ? FROM sessions WHERE id = ? AND lease_token = ?"
                      + " ON CONFLICT (session_id, covers_seq)"
                      + " DO UPDATE SET manifest = excluded.manifest, taken_at = excluded.taken_at",
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
          return tx.one(
              "SELECT "
                  + COLUMNS
                  + " FROM session_checkpoints WHERE session_id = ? AND covers_seq = ?",
              CHECKPOINT,
              sessionId,
              coversSeq);
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
}
