package dev.agentry.store;

import dev.agentry.core.Page;
import dev.agentry.core.PageRequest;
import dev.agentry.core.Skill;
import dev.agentry.core.SkillRepository;
import dev.agentry.core.SkillVersion;
import dev.agentry.core.StoreException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * The Skills API's records: plain columns. Adding or deleting a version updates its skill's row
 * first, which on PostgreSQL locks it, so two nodes adding versions to one skill get different
 * numbers and the latest is always the highest left.
 */
final class SqlSkills implements SkillRepository {
  private static final String SKILL_COLUMNS =
      "id, display_name, source, latest_version, created_at, updated_at";
  private static final String VERSION_COLUMNS =
      "skill_id, version, name, description, blob_address, size_bytes, created_at";

  /**
   * References to a blob from every table that points into the blob store by content address: the
   * Files API's files and the skills' versions.
   */
  static final String BLOB_REFERENCES =
      "SELECT (SELECT COUNT(*) FROM files WHERE blob_address = ?)"
          + " + (SELECT COUNT(*) FROM skill_versions WHERE blob_address = ?)";

  private static final RowMapper<Skill> SKILL =
      rs ->
          new Skill(
              rs.getString(1),
              rs.getString(2),
              rs.getString(3),
              rs.getInt(4),
              Rows.instant(rs, 5),
              Rows.instant(rs, 6));

  private static final RowMapper<SkillVersion> VERSION =
      rs ->
          new SkillVersion(
              rs.getString(1),
              rs.getInt(2),
              rs.getString(3),
              rs.getString(4),
              rs.getString(5),
              rs.getLong(6),
              Rows.instant(rs, 7));

  private final Database db;

  SqlSkills(Database db) {
    this.db = db;
  }

  @Override
  public Skill create(String workspaceId, Skill skill, VersionDraft first) {
    return db.write(
        null,
        tx -> {
          tx.update(
              "INSERT INTO skills (id, workspace_id, display_name, source, latest_version,"
                  + " next_version, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 2, ?, ?)",
              skill.id(),
              workspaceId,
              skill.displayName(),
              skill.source(),
              Rows.micros(skill.createdAt()),
              Rows.micros(skill.updatedAt()));
          insertVersion(tx, skill.id(), 1, first, skill.createdAt());
          return findSkill(tx, workspaceId, skill.id()).orElseThrow();
        });
  }

  @Override
  public Optional<Skill> find(String workspaceId, String id) {
    return db.read(tx -> findSkill(tx, workspaceId, id));
  }

  @Override
  public Page<Skill> list(String workspaceId, PageRequest page) {
    return db.read(
        tx ->
            Keyset.resource("")
                .page(
                    tx,
                    new Query(
                        "SELECT " + SKILL_COLUMNS + " FROM skills WHERE workspace_id = ?",
                        workspaceId),
                    page,
                    SKILL));
  }

  @Override
  public Optional<Skill> delete(String workspaceId, String id) {
    return db.transact(
        tx -> {
          Optional<Skill> found = findSkill(tx, workspaceId, id);
          if (found.isEmpty()) {
            return found;
          }
          long versions =
              tx.one(
                      "SELECT COUNT(*) FROM skill_versions WHERE skill_id = ?",
                      rs -> rs.getLong(1),
                      id)
                  .orElse(0L);
          if (versions > 0) {
            throw new StoreException.Conflict(
                "skill " + id + " still has " + versions + " version(s)");
          }
          tx.update("DELETE FROM skills WHERE workspace_id = ? AND id = ?", workspaceId, id);
          return found;
        });
  }

  @Override
  public SkillVersion addVersion(
      String workspaceId, String skillId, VersionDraft draft, Instant now) {
    return db.transact(
        tx -> {
          // The update comes first: it takes the skill's row lock before the number is read.
          int touched =
              tx.update(
                  "UPDATE skills SET next_version = next_version + 1, latest_version ="
                      + " next_version, updated_at = ? WHERE workspace_id = ? AND id = ?",
                  Rows.micros(now),
                  workspaceId,
                  skillId);
          if (touched == 0) {
            throw new StoreException.NotFound("no skill " + skillId);
          }
          int number =
              tx.one("SELECT latest_version FROM skills WHERE id = ?", rs -> rs.getInt(1), skillId)
                  .orElseThrow();
          insertVersion(tx, skillId, number, draft, now);
          return findVersion(tx, skillId, number).orElseThrow();
        });
  }

  @Override
  public Optional<SkillVersion> findVersion(String workspaceId, String skillId, int version) {
    return db.read(
        tx ->
            findSkill(tx, workspaceId, skillId).isEmpty()
                ? Optional.empty()
                : findVersion(tx, skillId, version));
  }

  @Override
  public Page<SkillVersion> versions(String workspaceId, String skillId, PageRequest page) {
    return db.read(
        tx ->
            Keyset.single("version")
                .page(
                    tx,
                    new Query(
                        "SELECT "
                            + VERSION_COLUMNS
                            + " FROM skill_versions WHERE skill_id = ? AND EXISTS (SELECT 1 FROM"
                            + " skills WHERE skills.id = skill_versions.skill_id AND"
                            + " skills.workspace_id = ?)",
                        skillId,
                        workspaceId),
                    page,
                    VERSION));
  }

  @Override
  public Optional<SkillVersion> deleteVersion(
      String workspaceId, String skillId, int version, Instant now) {
    return db.transact(
        tx -> {
          // Locks the skill's row (PostgreSQL) before its versions are read and changed.
          int touched =
              tx.update(
                  "UPDATE skills SET updated_at = updated_at WHERE workspace_id = ? AND id = ?",
                  workspaceId,
                  skillId);
          if (touched == 0) {
            return Optional.empty();
          }
          Optional<SkillVersion> found = findVersion(tx, skillId, version);
          if (found.isEmpty()) {
            return found;
          }
          tx.update(
              "DELETE FROM skill_versions WHERE skill_id = ? AND version = ?", skillId, version);
          tx.update(
              "UPDATE skills SET latest_version = COALESCE((SELECT MAX(version) FROM"
                  + " skill_versions WHERE skill_id = ?), 0), updated_at = ? WHERE id = ?",
              skillId,
              Rows.micros(now),
              skillId);
          return found;
        });
  }

  @Override
  public long countBlobReferences(String blobAddress) {
    return db.read(tx -> count(tx, blobAddress));
  }

  /**
   * References to the blob that keep a file's or skill version's delete from deleting it: files,
   * skill versions, and the workspace checkpoints' registry (whose collector deletes it once none
   * of the three uses it, ADR 0049).
   */
  static long count(Tx tx, String blobAddress) throws SQLException {
    return countFilesAndSkills(tx, blobAddress)
        + tx.one(
                "SELECT COUNT(*) FROM checkpoint_blobs WHERE address = ?",
                rs -> rs.getLong(1),
                blobAddress)
            .orElse(0L);
  }

  /** Files and skill versions whose bytes are the blob. */
  static long countFilesAndSkills(Tx tx, String blobAddress) throws SQLException {
    return tx.one(BLOB_REFERENCES, rs -> rs.getLong(1), blobAddress, blobAddress).orElse(0L);
  }

  private static Optional<Skill> findSkill(Tx tx, String workspaceId, String id)
      throws SQLException {
    return tx.one(
        "SELECT " + SKILL_COLUMNS + " FROM skills WHERE workspace_id = ? AND id = ?",
        SKILL,
        workspaceId,
        id);
  }

  private static Optional<SkillVersion> findVersion(Tx tx, String skillId, int version)
      throws SQLException {
    return tx.one(
        "SELECT " + VERSION_COLUMNS + " FROM skill_versions WHERE skill_id = ? AND version = ?",
        VERSION,
        skillId,
        version);
  }

  private static void insertVersion(
      Tx tx, String skillId, int number, VersionDraft draft, Instant createdAt)
      throws SQLException {
    tx.update(
        "INSERT INTO skill_versions (skill_id, version, name, description, blob_address,"
            + " size_bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        skillId,
        number,
        draft.name(),
        draft.description(),
        draft.blobAddress(),
        draft.sizeBytes(),
        Rows.micros(createdAt));
  }
}
