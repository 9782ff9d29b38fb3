package dev.agentry.core;

import java.time.Instant;

/**
 * An API key as stored: only the SHA-256 of the secret, never the secret. {@code role} is {@code
 * admin}, {@code member} or {@code read_only}; {@code workspaceId} is the one workspace the key
 * acts in; {@code revokedAt} is null while it is valid.
 */
public record ApiKey(
    String id,
    String name,
    String secretHash,
    String role,
    String workspaceId,
    Instant createdAt,
    Instant revokedAt) {

  /** A key of the default workspace. */
  public ApiKey(
      String id,
      String name,
      String secretHash,
      String role,
      Instant createdAt,
      Instant revokedAt) {
    this(id, name, secretHash, role, Workspace.DEFAULT_ID, createdAt, revokedAt);
  }
}
