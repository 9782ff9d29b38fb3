package dev.agentry.core;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** API keys, stored by hash. */
public interface ApiKeyRepository {
  /** Stores the key; its workspace must exist (see {@link WorkspaceRepository}). */
  ApiKey create(ApiKey key);

  /** The key with this secret hash, revoked or not. */
  Optional<ApiKey> findByHash(String secretHash);

  List<ApiKey> list();

  /** Returns whether a key was revoked now. */
  boolean revoke(String id, Instant now);
}
