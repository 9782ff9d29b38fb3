package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.EnvironmentConfig;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.WorkRepository.EnvironmentKey;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Set;

/**
 * {@code /v1/agentry/environments/{id}/keys} (an Agentry extension, docs/decisions/0038): the keys
 * a {@code self_hosted} environment's workers poll with. A key is shown once, when it is created;
 * the store keeps only its SHA-256. A revoked key is refused at once.
 */
final class EnvironmentKeyRoutes implements Api.Routes {
  private final Api api;

  EnvironmentKeyRoutes(Api api) {
    this.api = api;
  }

  @Override
  public void register(HttpRules r) {
    String base = "/v1/agentry/environments/{id}/keys";
    r.post(base, this::create).get(base, this::list).delete(base + "/{kid}", this::revoke);
  }

  private void create(ServerRequest req, ServerResponse res) {
    String env = selfHosted(req);
    String name = null;
    if (req.content().hasEntity()) {
      JsonNode body = Http.objectBody(req, api.maxBodyBytes());
      MemoryStoreRoutes.knownFields(body, Set.of("name"));
      name = Fields.optionalString(body, "", "name", 1, 256);
    }
    String secret = Ids.secret(WorkerAuth.ENVIRONMENT_KEY_PREFIX, 43);
    EnvironmentKey key =
        api.store()
            .work()
            .createKey(
                new EnvironmentKey(
                    Ids.next(IdKind.ENVIRONMENT_KEY),
                    Caller.workspace(req),
                    env,
                    name,
                    Keys.hash(secret),
                    api.now(),
                    null));
    Http.ok(res, view(key).put("key", secret));
  }

  private void list(ServerRequest req, ServerResponse res) {
    String env = selfHosted(req);
    ObjectNode out = Json.mapper().createObjectNode();
    var data = out.putArray("data");
    api.store().work().listKeys(env).forEach(k -> data.add(view(k)));
    Http.ok(res, out);
  }

  private void revoke(ServerRequest req, ServerResponse res) {
    String env = selfHosted(req);
    String kid = Api.param(req, "kid");
    boolean known = api.store().work().listKeys(env).stream().anyMatch(k -> k.id().equals(kid));
    if (!known) {
      throw ApiError.notFound("environment key " + kid + " not found");
    }
    if (!api.store().work().revokeKey(env, kid, api.now())) {
      throw ApiError.conflict("environment key " + kid + " is already revoked");
    }
    Http.ok(res, Views.deleted(kid, "environment_key_revoked"));
  }

  private String selfHosted(ServerRequest req) {
    if (WorkGrant.of(req).isPresent()) {
      throw ApiError.forbidden("environment keys are managed with an API key");
    }
    String id = Api.param(req, "id");
    var env =
        api.store()
            .environments()
            .find(Caller.workspace(req), id)
            .orElseThrow(() -> ApiError.notFound("environment " + id + " not found"));
    if (!(env.config() instanceof EnvironmentConfig.SelfHosted)) {
      throw ApiError.invalid(
          "environment " + id + " is not self_hosted: only a self_hosted environment has keys");
    }
    return id;
  }

  private static ObjectNode view(EnvironmentKey k) {
    return Json.mapper()
        .createObjectNode()
        .put("type", "environment_key")
        .put("id", k.id())
        .put("environment_id", k.environmentId())
        .put("name", k.name())
        .put("created_at", WorkViews.time(k.createdAt()))
        .put("revoked_at", WorkViews.time(k.revokedAt()));
  }
}
