package dev.agentry.core;

import java.util.Optional;

/**
 * The repository tokens of running sessions, for the egress proxy: it adds a token to a sandbox's
 * request only for the host (and repository path) of the resource that carries it. Rotating a token
 * ({@code POST /v1/sessions/{id}/resources/{rid}}) takes effect on the next request.
 */
public interface RepositoryTokens {

  /**
   * The token for a request from {@code sessionId}'s sandbox to {@code host} with {@code path}, if
   * one of the session's repository resources is on that host and the path is within that
   * repository.
   */
  Optional<String> tokenFor(String sessionId, String host, String path);
}
