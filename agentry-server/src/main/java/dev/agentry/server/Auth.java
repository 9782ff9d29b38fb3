package dev.agentry.server;

import dev.agentry.core.ApiKey;
import dev.agentry.core.Store;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.Optional;
import java.util.Set;

/**
 * Requires a valid API key on {@code /v1/*}, from {@code x-api-key} or {@code Authorization:
 * Bearer} (the official SDKs send one or the other), and puts its {@link Caller} in the request
 * context: the key's workspace scopes every route, a {@code read_only} key may only read (403
 * {@code permission_error} otherwise), and an {@code anthropic-workspace-id} header naming any
 * other workspace than the key's is refused with 403. Health endpoints stay open. Keys are looked
 * up through an {@link ApiKeyCache}: a revoked key is refused at once after a revocation in this
 * process, within {@link ApiKeyCache#TTL} after one elsewhere.
 */
final class Auth implements Filter {
  static final HeaderName WORKSPACE_HEADER = HeaderNames.create("anthropic-workspace-id");
  private static final Set<Method> READS = Set.of(Method.GET, Method.HEAD);
  private final ApiKeyCache keys;
  private final Errors errors;
  private final WorkerAuth workers;

  Auth(Store store, Errors errors) {
    this.keys = new ApiKeyCache(store.apiKeys());
    this.errors = errors;
    this.workers = new WorkerAuth(store);
  }

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    if (!req.path().path().startsWith("/v1/") && !req.path().path().equals("/v1")) {
      chain.proceed();
      return;
    }
    Optional<String> presented = presentedKey(req);
    if (presented.isEmpty()) {
      errors.send(
          req,
          res,
          ApiError.unauthenticated("missing API key: send x-api-key or Authorization: Bearer"));
      return;
    }
    Optional<ApiKey> key = keys.valid(Keys.hash(presented.get()));
    if (key.isEmpty()) {
      // A self-hosted worker's environment key or work item token (docs/decisions/0038).
      WorkerAuth.Admission admission = workers.admit(req, presented.get());
      if (admission.known() && admission.refusal() == null) {
        chain.proceed();
        return;
      }
      errors.send(
          req,
          res,
          admission.known() ? admission.refusal() : ApiError.unauthenticated("invalid API key"));
      return;
    }
    ApiKey k = key.get();
    var requested = req.headers().value(WORKSPACE_HEADER);
    if (requested.isPresent() && !requested.get().trim().equals(k.workspaceId())) {
      // The same answer whether or not the named workspace exists: nothing leaks about others.
      errors.send(
          req,
          res,
          ApiError.forbidden(
              "anthropic-workspace-id: this API key acts only in its own workspace; send "
                  + k.workspaceId()
                  + " or omit the header"));
      return;
    }
    if (Caller.READ_ONLY.equals(k.role()) && !READS.contains(req.prologue().method())) {
      errors.send(
          req, res, ApiError.forbidden("this API key is read_only: it may only read (GET)"));
      return;
    }
    req.context().register(new Caller(k.id(), k.workspaceId(), k.role()));
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
