package dev.agentry.server;

import dev.agentry.core.BlobStore;
import dev.agentry.core.FileService;
import dev.agentry.core.SandboxLimits;
import dev.agentry.core.SandboxProvider;
import dev.agentry.core.Store;
import dev.agentry.harness.Harness;
import dev.agentry.harness.SpendLimits;
import dev.agentry.sandbox.SandboxManager;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import java.time.Clock;
import java.time.Instant;

/**
 * What every route group needs: the store, the clock, the request limits, the open streams, the
 * sandboxes, the harness to wake when user events arrive, the prices and caps of sessions, the blob
 * store, and the Files API's service over it (for uploads and session outputs).
 */
record Api(
    Store store,
    Clock clock,
    long maxBodyBytes,
    StreamHub streams,
    Hands hands,
    Harness harness,
    SpendLimits spend,
    BlobStore blobs,
    FileService files) {

  /** The sandbox side the API touches: session workspaces and what the sandboxes enforce. */
  record Hands(SandboxManager sandboxes, SandboxProvider provider, SandboxLimits limits) {}

  Instant now() {
    return dev.agentry.core.Timestamps.truncate(clock.instant());
  }

  static String param(ServerRequest req, String name) {
    return RequestText.pathParameter(req.path().pathParameters().get(name), name);
  }

  static Query query(ServerRequest req) {
    return new Query(req.query().rawValue());
  }

  /** A group of routes, registered on the shared routing. */
  interface Routes {
    void register(HttpRules routing);
  }
}
