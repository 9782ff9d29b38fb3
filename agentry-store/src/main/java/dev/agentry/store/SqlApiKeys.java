package dev.agentry.store;

import dev.agentry.core.ApiKey;
import dev.agentry.core.ApiKeyRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** API keys by hash. */
final class SqlApiKeys implements ApiKeyRepository {
  private static final String COLUMNS =
      "id, name, secret_hash, role, workspace_id, created_at, revoked_at";
  private static final RowMapper<ApiKey> KEY =
      rs ->
          new ApiKey(
              rs.getString(1),
              rs.getString(2),
              rs.getString(3),
              rs.getString(4),
              rs.getString(5),
              Rows.instant(rs, 6),
              Rows.instant(rs, 7));

  private final Database db;

  SqlApiKeys(Database db) {
    this.db = db;
  }

  @Override
  public ApiKey create(ApiKey key) {
    return db.write(
        null,
        tx -> {
          // A clash on id or hash surfaces as Conflict through the writer.
          tx.update(
              "INSERT INTO api_keys (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)",
              key.id(),
              key.name(),
              key.secretHash(),
              key.role(),
              key.workspaceId(),
              Rows.micros(key.createdAt()),
              Rows.micros(key.revokedAt()));
          return tx.one("SELECT " + COLUMNS + " FROM api_keys WHERE id = ?", KEY, key.id())
              .orElseThrow();
        });
  }

  @Override
  public Optional<ApiKey> findByHash(String secretHash) {
    return db.read(
        tx ->
            tx.one("SELECT " + COLUMNS + " FROM api_keys WHERE secret_hash = ?", KEY, secretHash));
  }

  @Override
  public List<ApiKey> list() {
    return db.read(
        tx -> tx.query("SELECT " + COLUMNS + " FROM api_keys ORDER BY created_at, id", KEY));
  }

  @Override
  public boolean revoke(String id, Instant now) {
    return db.write(
        null,
        tx ->
            tx.update(
                    "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                    Rows.micros(now),
                    id)
                > 0);
  }
}
