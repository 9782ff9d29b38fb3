package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Environment;
import dev.agentry.core.EnvironmentConfig;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.PageKey;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.SortOrder;
import dev.agentry.core.StoreException;
import dev.agentry.core.Timestamps;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.util.List;

/** {@code /v1/environments}: create, list, retrieve, update, archive, delete. */
final class EnvironmentRoutes implements Api.Routes {
  private final Api api;

  EnvironmentRoutes(Api api) {
    this.api = api;
  }

  @Override
  public void register(HttpRules r) {
    r.post("/v1/environments", this::create)
        .get("/v1/environments", this::list)
        .get("/v1/environments/{id}", this::retrieve)
        .post("/v1/environments/{id}", this::update)
        .post("/v1/environments/{id}/archive", this::archive)
        .delete("/v1/environments/{id}", this::delete);
  }

  private void create(ServerRequest req, ServerResponse res) {
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    String name = Fields.requiredString(body, "", "name", 1, 256);
    String description = Fields.optionalString(body, "", "description", 0, 2048);
    EnvironmentConfig config = EnvironmentParser.config(body);
    String scope = scope(body);
    Instant now = api.now();
    var env =
        new Environment(
            Ids.next(IdKind.ENVIRONMENT),
            name,
            description,
            config,
            Fields.metadata(body, ""),
            scope,
            now,
            now,
            null);
    try {
      Http.ok(
          res, Views.environment(api.store().environments().create(Caller.workspace(req), env)));
    } catch (StoreException.Conflict e) {
      throw duplicateName(name);
    }
  }

  private void list(ServerRequest req, ServerResponse res) {
    Query q = Api.query(req);
    Listing listing = Listing.of(q, "environments", SortOrder.DESC, 20, 100, false);
    var filter = new ResourceFilter(q.flag("include_archived"), q.timeRange("created_at"));
    var page = api.store().environments().list(Caller.workspace(req), filter, listing.request());
    Http.ok(
        res,
        listing.render(
            page,
            Views::environment,
            e -> new PageKey(Timestamps.toMicros(e.createdAt()), e.id())));
  }

  private void retrieve(ServerRequest req, ServerResponse res) {
    Http.ok(res, Views.environment(find(req, Api.param(req, "id"))));
  }

  private void update(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    Environment current = find(req, id);
    if (current.archivedAt() != null) {
      throw ApiError.invalid("environment " + id + " is archived", "environment_archived");
    }
    String name =
        body.has("name") ? Fields.requiredString(body, "", "name", 1, 256) : current.name();
    String description =
        body.has("description")
            ? Fields.optionalString(body, "", "description", 0, 2048)
            : current.description();
    EnvironmentConfig config = current.config();
    if (!Fields.isNullOrAbsent(body, "config")) {
      config = EnvironmentParser.config(body);
      if (!config.typeName().equals(current.config().typeName())) {
        throw ApiError.invalid(
            "config.type: cannot change from "
                + current.config().typeName()
                + " to "
                + config.typeName(),
            "invalid_config_type_change");
      }
    }
    var metadata =
        Fields.isNullOrAbsent(body, "metadata")
            ? current.metadata()
            : Fields.patchMetadata(current.metadata(), body.get("metadata"), "metadata", true);
    EnvironmentConfig newConfig = config;
    Instant now = api.now();
    try {
      Environment updated =
          api.store()
              .environments()
              .update(
                  id,
                  e ->
                      new Environment(
                          e.id(),
                          name,
                          description,
                          newConfig,
                          metadata,
                          e.scope(),
                          e.createdAt(),
                          now,
                          e.archivedAt()));
      Http.ok(res, Views.environment(updated));
    } catch (StoreException.Conflict e) {
      throw duplicateName(name);
    } catch (StoreException.NotFound e) {
      throw ApiError.notFound("environment " + id + " not found");
    }
  }

  private void archive(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    find(req, id);
    Http.ok(res, Views.environment(api.store().environments().archive(id, api.now())));
  }

  private void delete(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    find(req, id);
    if (!api.store().environments().delete(id)) {
      throw ApiError.notFound("environment " + id + " not found");
    }
    Http.ok(res, Views.deleted(id, "environment_deleted"));
  }

  private Environment find(ServerRequest req, String id) {
    return api.store()
        .environments()
        .find(Caller.workspace(req), id)
        .orElseThrow(() -> ApiError.notFound("environment " + id + " not found"));
  }

  private static String scope(JsonNode body) {
    String scope = Fields.optionalString(body, "", "scope", 1, 32);
    return scope == null ? null : Fields.oneOf(scope, "scope", List.of("organization", "account"));
  }

  private static ApiError duplicateName(String name) {
    return ApiError.conflict("name: an environment named '" + name + "' already exists");
  }
}
