package dev.agentry.core;

import java.util.Locale;
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

  /**
   * Whether a request path (without its query) means what it says: no {@code .} or {@code ..}
   * segment, no encoded dot, slash or backslash, no backslash, so that a prefix check on it is a
   * check on what the upstream serves. Both the proxy and the token lookup ask it before scoping a
   * token to a repository path.
   */
  static boolean plainPath(String path) {
    String lower = path.toLowerCase(Locale.ROOT);
    if (lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c")) {
      return false;
    }
    if (path.indexOf('\\') >= 0) {
      return false;
    }
    for (String segment : path.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }
}
