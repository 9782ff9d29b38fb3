package dev.agentry.server;

import dev.agentry.core.ApiKey;
import dev.agentry.core.Store;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.Optional;

/**
 * Requires a valid API key on {@code /v1/*}, from {@code x-api-key} or {@code Authorization:
 * Bearer} (the official SDKs send one or the other). Health endpoints stay open.
 */
final class Auth implements Filter {
  private final Store store;

  Auth(Store store) {
    this.store = store;
  }

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    if (!req.path().path().startsWith("/v1/") && !req.path().path().equals("/v1")) {
      chain.proceed();
      return;
    }
    Optional<String> presented = presentedKey(req);
    if (presented.isEmpty()) {
      Errors.send(
          req,
          res,
          ApiError.unauthenticated("missing API key: send x-api-key or Authorization: Bearer"));
      return;
    }
    Optional<ApiKey> key = store.apiKeys().findByHash(Keys.hash(presented.get()));
    if (key.isEmpty() || key.get().revokedAt() != null) {
      Errors.send(req, res, ApiError.unauthenticated("invalid API key"));
      return;
    }
    chain.proceed();
  }

  private static Optional<String> presentedKey(RoutingRequest req) {
    var apiKey = req.headers().value(HeaderNames.create("x-api-key"));
    if (apiKey.isPresent() && !apiKey.get().isBlank()) {
      return Optional.of(apiKey.get().trim());
    }
    var authorization = req.headers().value(HeaderNames.AUTHORIZATION);
    if (authorization.isPresent()) {
      String v = authorization.get().trim();
      if (v.regionMatches(true, 0, "Bearer ", 0, 7) && v.length() > 7) {
        return Optional.of(v.substring(7).trim());
      }
    }
    return Optional.empty();
  }
}
