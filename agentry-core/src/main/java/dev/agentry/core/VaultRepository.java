package dev.agentry.core;

import java.time.Instant;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Vaults and their credentials. Secrets arrive and leave sealed. The methods that take a {@code
 * workspaceId} see only that workspace's vaults; credentials belong to their vault's workspace.
 */
public interface VaultRepository {
  /** Creates the vault in the default workspace. */
  default Vault create(Vault vault) {
    return create(Workspace.DEFAULT_ID, vault);
  }

  Vault create(String workspaceId, Vault vault);

  Optional<Vault> find(String id);

  Optional<Vault> find(String workspaceId, String id);

  /**
   * @throws StoreException.NotFound if there is no such vault
   */
  Vault update(String id, UnaryOperator<Vault> change);

  Vault archive(String id, Instant now);

  /** Deletes the vault and its credentials. */
  boolean delete(String id);

  Page<Vault> list(ResourceFilter filter, PageRequest page);

  Page<Vault> list(String workspaceId, ResourceFilter filter, PageRequest page);

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
