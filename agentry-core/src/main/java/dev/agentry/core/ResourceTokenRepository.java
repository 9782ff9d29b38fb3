package dev.agentry.core;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The sealed authorization tokens of sessions' repository resources, kept apart from the session
 * record (whose JSON the API shows and the event log never holds): a token is stored only as {@link
 * SecretBox} ciphertext bound to its session and resource. Deleting a session deletes its tokens.
 */
public interface ResourceTokenRepository {

  /** Stores (or replaces) the sealed token of {@code resourceId} of {@code sessionId}. */
  void put(String sessionId, String resourceId, byte[] sealedToken, Instant at);

  /** The sealed token of the resource, if it has one. */
  Optional<byte[]> find(String sessionId, String resourceId);

  /** Every sealed token of the session, by resource id. */
  Map<String, byte[]> all(String sessionId);

  /** Removes the resource's token; false if it had none. */
  boolean delete(String sessionId, String resourceId);
}
