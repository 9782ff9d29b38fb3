package dev.agentry.server;

import io.helidon.webserver.http.ServerRequest;
import java.util.Optional;

/**
 * What a worker's credential lets it do (docs/decisions/0038): an environment key ({@code workId}
 * and {@code sessionId} null) polls, lists and acks its environment's items; an item's token acts
 * for that one item and its session. {@link WorkerAuth} puts it in the request context next to the
 * {@link Caller}.
 */
record WorkGrant(String keyId, String environmentId, String workId, String sessionId) {
  boolean itemToken() {
    return workId != null;
  }

  static Optional<WorkGrant> of(ServerRequest req) {
    return req.context().get(WorkGrant.class);
  }
}
