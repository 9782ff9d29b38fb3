package dev.agentry.server;

import io.helidon.webserver.http.ServerRequest;

/**
 * Who is calling: the API key that {@link Auth} accepted, its workspace and its role. Every route
 * reads and writes only {@code workspaceId}'s objects.
 */
record Caller(String keyId, String workspaceId, String role) {
  static final String ADMIN = "admin";
  static final String MEMBER = "member";
  static final String READ_ONLY = "read_only";

  /** The caller of an authenticated request. */
  static Caller of(ServerRequest req) {
    return req.context()
        .get(Caller.class)
        .orElseThrow(() -> ApiError.unauthenticated("missing API key"));
  }

  /** The workspace an authenticated request acts in. */
  static String workspace(ServerRequest req) {
    return of(req).workspaceId();
  }
}
