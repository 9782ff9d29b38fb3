package dev.agentry.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Credential;
import dev.agentry.core.Json;
import dev.agentry.core.Page;
import dev.agentry.core.PageRequest;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.Vault;
import dev.agentry.core.VaultRepository;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Vaults and their credentials. A credential's sealed secrets live in their own binary column,
 * never in the JSON body, so that nothing that reads bodies can leak them.
 */
final class SqlVaults extends DocRepository<Vault> implements VaultRepository {
  private static final DocTable<Vault> VAULTS =
      new DocTable<>(
          "vault",
          "vaults",
          List.of("id", "body", "created_at", "updated_at", "archived_at"),
          v ->
              new Object[] {
                v.id(),
                Json.write(v),
                Rows.micros(v.createdAt()),
                Rows.micros(v.updatedAt()),
                Rows.micros(v.archivedAt())
              },
          Vault::id,
          "body",
          rs -> Json.read(rs.getString(1), Vault.class));

  /** What a credential's JSON body holds. */
  private record Body(String displayName, ObjectNode publicAuth, Map<String, String> metadata) {}

  private static final DocTable<Credential> CREDENTIALS =
      new DocTable<>(
          "credential",
          "credentials",
          List.of(
              "id",
              "vault_id",
              "body",
              "sealed_secrets",
              "created_at",
              "updated_at",
              "archived_at"),
          c ->
              new Object[] {
                c.id(),
                c.vaultId(),
                Json.write(new Body(c.displayName(), c.publicAuth(), c.metadata())),
                c.sealedSecrets(),
                Rows.micros(c.createdAt()),
                Rows.micros(c.updatedAt()),
                Rows.micros(c.archivedAt())
              },
          Credential::id,
          "id, vault_id, body, sealed_secrets, created_at, updated_at, archived_at",
          rs -> {
            Body body = Json.read(rs.getString(3), Body.class);
            return new Credential(
                rs.getString(1),
                rs.getString(2),
                body.displayName(),
                body.publicAuth(),
                rs.getBytes(4),
                body.metadata() == null ? Map.of() : body.metadata(),
                Rows.instant(rs, 5),
                Rows.instant(rs, 6),
                Rows.instant(rs, 7));
          });

  SqlVaults(Database db) {
    super(db, VAULTS);
  }

  @Override
  public Vault create(Vault vault) {
    return VaultRepository.super.create(vault);
  }

  @Override
  public Vault archive(String id, Instant now) {
    return update(
        id,
        v ->
            v.archivedAt() != null
                ? v
                : new Vault(v.id(), v.displayName(), v.metadata(), v.createdAt(), now, now));
  }

  @Override
  public boolean delete(String id) {
    return db.write(
        null,
        tx -> {
          tx.update("DELETE FROM credentials WHERE vault_id = ?", id);
          return VAULTS.delete(tx, id);
        });
  }

  @Override
  public Credential createCredential(Credential credential) {
    return db.write(
        null,
        tx -> {
          if (VAULTS.find(tx, credential.vaultId(), true).isEmpty()) {
            throw VAULTS.notFound(credential.vaultId());
          }
          return CREDENTIALS.insert(tx, credential);
        });
  }

  @Override
  public Optional<Credential> findCredential(String vaultId, String credentialId) {
    return db.read(tx -> findIn(tx, vaultId, credentialId, false));
  }

  @Override
  public Credential updateCredential(
      String vaultId, String credentialId, UnaryOperator<Credential> change) {
    return db.write(
        null,
        tx -> {
          findIn(tx, vaultId, credentialId, true)
              .orElseThrow(() -> CREDENTIALS.notFound(credentialId));
          return CREDENTIALS.update(
              tx,
              credentialId,
              c -> {
                Credential next = change.apply(c);
                if (!vaultId.equals(next.vaultId())) {
                  throw new IllegalArgumentException("a credential cannot move to another vault");
                }
                return next;
              });
        });
  }

  @Override
  public Credential archiveCredential(String vaultId, String credentialId, Instant now) {
    return updateCredential(
        vaultId,
        credentialId,
        c ->
            c.archivedAt() != null
                ? c
                : new Credential(
                    c.id(),
                    c.vaultId(),
                    c.displayName(),
                    c.publicAuth(),
                    c.sealedSecrets(),
                    c.metadata(),
                    c.createdAt(),
                    now,
                    now));
  }

  @Override
  public boolean deleteCredential(String vaultId, String credentialId) {
    return db.write(
        null,
        tx ->
            tx.update(
                    "DELETE FROM credentials WHERE id = ? AND vault_id = ?", credentialId, vaultId)
                > 0);
  }

  @Override
  public Page<Credential> listCredentials(String vaultId, ResourceFilter filter, PageRequest page) {
    return db.read(
        tx ->
            CREDENTIALS.list(
                tx, CREDENTIALS.select().and("vault_id = ?", vaultId).resource("", filter), page));
  }

  private static Optional<Credential> findIn(Tx tx, String vaultId, String id, boolean lock)
      throws SQLException {
    return CREDENTIALS.find(tx, id, lock).filter(c -> c.vaultId().equals(vaultId));
  }
}
