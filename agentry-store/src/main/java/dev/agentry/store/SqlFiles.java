package dev.agentry.store;

import dev.agentry.core.FileFilter;
import dev.agentry.core.FileRecord;
import dev.agentry.core.FileRepository;
import dev.agentry.core.Page;
import dev.agentry.core.PageRequest;
import dev.agentry.core.Timestamps;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The Files API's records: plain columns, no JSON body (every field is filtered, sorted or counted
 * on). Every workspace-scoped statement carries the workspace condition itself.
 */
final class SqlFiles implements FileRepository {
  private static final String COLUMNS =
      "id, filename, mime_type, size_bytes, blob_address, downloadable, created_at, expires_at,"
          + " scope_session_id";

  private static final RowMapper<FileRecord> MAPPER =
      rs ->
          new FileRecord(
              rs.getString(1),
              rs.getString(2),
              rs.getString(3),
              rs.getLong(4),
              rs.getString(5),
              rs.getInt(6) != 0,
              Rows.instant(rs, 7),
              Rows.instant(rs, 8),
              rs.getString(9));

  private static final DocTable<FileRecord> TABLE =
      new DocTable<>(
          "file",
          "files",
          List.of(
              "id",
              "filename",
              "mime_type",
              "size_bytes",
              "blob_address",
              "downloadable",
              "created_at",
              "expires_at",
              "scope_session_id"),
          f ->
              new Object[] {
                f.id(),
                f.filename(),
                f.mimeType(),
                f.sizeBytes(),
                f.blobAddress(),
                f.downloadable() ? 1 : 0,
                Rows.micros(f.createdAt()),
                Rows.micros(f.expiresAt()),
                f.scopeSessionId()
              },
          FileRecord::id,
          COLUMNS,
          MAPPER);

  private final Database db;

  SqlFiles(Database db) {
    this.db = db;
  }

  @Override
  public FileRecord create(String workspaceId, FileRecord file) {
    return db.write(null, tx -> TABLE.insert(tx, workspaceId, file));
  }

  @Override
  public Optional<FileRecord> find(String workspaceId, String id) {
    return db.read(tx -> TABLE.find(tx, workspaceId, id));
  }

  @Override
  public Page<FileRecord> list(String workspaceId, FileFilter filter, PageRequest page) {
    return db.read(
        tx -> {
          Query query = TABLE.select().and("workspace_id = ?", workspaceId).in("id", filter.ids());
          if (filter.scopeSessionId() != null) {
            query.and("scope_session_id = ?", filter.scopeSessionId());
          }
          return TABLE.list(tx, query, page);
        });
  }

  @Override
  public Optional<FileRecord> delete(String workspaceId, String id) {
    return db.write(
        null,
        tx -> {
          Optional<FileRecord> found = TABLE.find(tx, workspaceId, id);
          if (found.isPresent()) {
            tx.update("DELETE FROM files WHERE workspace_id = ? AND id = ?", workspaceId, id);
          }
          return found;
        });
  }

  @Override
  public long countByBlob(String blobAddress) {
    // Skill versions share the blob store: a file with the bytes of a skill archive must not take
    // the archive with it.
    return db.read(tx -> SqlSkills.count(tx, blobAddress));
  }

  @Override
  public List<ExpiredFile> expired(Instant now, int limit) {
    return db.read(
        tx ->
            tx.query(
                "SELECT "
                    + COLUMNS
                    + ", workspace_id FROM files WHERE expires_at IS NOT NULL AND expires_at <= ?"
                    + " ORDER BY expires_at LIMIT ?",
                rs -> new ExpiredFile(rs.getString(10), MAPPER.map(rs)),
                Timestamps.toMicros(now),
                limit));
  }
}
