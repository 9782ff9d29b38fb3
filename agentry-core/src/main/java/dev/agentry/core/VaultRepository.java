package dev.agentry.core;

import java.time.Instant;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Vaults and their credentials. Secrets arrive and leave sealed. */
public interface VaultRepository {
  Vault create(Vault vault);

  Optional<Vault> find(String id);

  /**
   * @throws StoreException.NotFound if there is no such vault
   */
  Vault update(String id, UnaryOperator<Vault> change);

  Vault archive(String id, Instant now);

  /** Deletes the vault and its credentials. */
  boolean delete(String id);

  Page<Vault> list(ResourceFilter filter, PageRequest page);

  Credential createCredential(Credential credential);

  Optional<Credential> findCredential(String vaultId, String credentialId);

  /**
   * @throws StoreException.NotFound if there is no such credential
   */
  Credential updateCredential(
      String vaultId, String credentialId, UnaryOperator<Credential> change);

  Credential archiveCredential(String vaultId, String credentialId, Instant now);

  boolean deleteCredential(String vaultId, String credentialId);

  Page<Credential> listCredentials(String vaultId, ResourceFilter filter, PageRequest page);
}
