package dev.agentry.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * A credential of a vault. {@code publicAuth} is the {@code auth} object with every secret field
 * removed (what the API may show); {@code sealedSecrets} is the AES-GCM ciphertext of a JSON object
 * holding the removed fields, opened only by the runtime.
 */
public record Credential(
    String id,
    String vaultId,
    String displayName,
    ObjectNode publicAuth,
    byte[] sealedSecrets,
    Map<String, String> metadata,
    Instant createdAt,
    Instant updatedAt,
    Instant archivedAt) {
  public Credential {
    metadata = Map.copyOf(metadata);
    sealedSecrets = sealedSecrets.clone();
  }

  @Override
  public byte[] sealedSecrets() {
    return sealedSecrets.clone();
  }

  public String authType() {
    return publicAuth.path("type").asText();
  }
}
