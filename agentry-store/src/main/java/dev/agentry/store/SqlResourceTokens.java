package dev.agentry.store;

import dev.agentry.core.ResourceTokenRepository;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Sealed repository tokens, one row per (session, resource); rows go with their session. */
final class SqlResourceTokens implements ResourceTokenRepository {
  private final Database db;

  SqlResourceTokens(Database db) {
    this.db = db;
  }

  @Override
  public void put(String sessionId, String resourceId, byte[] sealedToken, Instant at) {
    db.write(
        sessionId,
        tx ->
            tx.update(
                "INSERT INTO session_resource_tokens"
                    + " (session_id, resource_id, sealed_token, updated_at) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT (session_id, resource_id) DO UPDATE"
                    + " SET sealed_token = excluded.sealed_token, updated_at = excluded.updated_at",
                sessionId,
                resourceId,
                sealedToken.clone(),
                Rows.micros(at)));
  }

  @Override
  public Optional<byte[]> find(String sessionId, String resourceId) {
    return db.read(
        tx ->
            tx.one(
                "SELECT sealed_token FROM session_resource_tokens"
                    + " WHERE session_id = ? AND resource_id = ?",
                rs -> rs.getBytes(1),
                sessionId,
                resourceId));
  }

  @Override
  public Map<String, byte[]> all(String sessionId) {
    return db.read(
        tx -> {
          Map<String, byte[]> out = new LinkedHashMap<>();
          tx.query(
                  "SELECT resource_id, sealed_token FROM session_resource_tokens"
                      + " WHERE session_id = ? ORDER BY resource_id",
                  rs -> Map.entry(rs.getString(1), rs.getBytes(2)),
                  sessionId)
              .forEach(e -> out.put(e.getKey(), e.getValue()));
          return out;
        });
  }

  @Override
  public boolean delete(String sessionId, String resourceId) {
    return db.write(
        sessionId,
        tx ->
            tx.update(
                    "DELETE FROM session_resource_tokens WHERE session_id = ? AND resource_id = ?",
                    sessionId,
                    resourceId)
                > 0);
  }
}
