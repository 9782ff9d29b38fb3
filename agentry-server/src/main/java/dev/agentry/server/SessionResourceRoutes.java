package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Page;
import dev.agentry.core.PageKey;
import dev.agentry.core.PageRequest;
import dev.agentry.core.Session;
import dev.agentry.core.SortOrder;
import dev.agentry.core.Timestamps;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * {@code /v1/sessions/{id}/resources}: list, add (a file), retrieve, update (a repository's token),
 * delete. The work is {@link SessionResources}'; this maps it to HTTP.
 */
final class SessionResourceRoutes implements Api.Routes {
  private final Api api;
  private final SessionResources resources;

  SessionResourceRoutes(Api api, SessionResources resources) {
    this.api = api;
    this.resources = resources;
  }

  @Override
  public void register(HttpRules r) {
    r.get("/v1/sessions/{id}/resources", this::list)
        .post("/v1/sessions/{id}/resources", this::add)
        .get("/v1/sessions/{id}/resources/{rid}", this::retrieve)
        .post("/v1/sessions/{id}/resources/{rid}", this::update)
        .delete("/v1/sessions/{id}/resources/{rid}", this::delete);
  }

  private void list(ServerRequest req, ServerResponse res) {
    Session session = SessionRoutes.find(api, req, Api.param(req, "id"));
    Listing listing =
        Listing.of(Api.query(req), "resources:" + session.id(), SortOrder.ASC, 20, 1000, false);
    Http.ok(
        res,
        listing.render(
            page(session.resources(), listing.request()), j -> j, SessionResourceRoutes::key));
  }

  /** A keyset page over the session's resources, which the session record holds whole. */
  static Page<JsonNode> page(List<JsonNode> all, PageRequest request) {
    Comparator<JsonNode> byKey =
        Comparator.comparingLong((JsonNode j) -> key(j).primary()).thenComparing(j -> key(j).id());
    if (request.order() == SortOrder.DESC) {
      byKey = byKey.reversed();
    }
    Comparator<JsonNode> order = byKey;
    PageKey after = request.after();
    List<JsonNode> rest =
        all.stream()
            .sorted(order)
            .filter(j -> after == null || order.compare(j, marker(after)) > 0)
            .toList();
    List<JsonNode> items = rest.subList(0, Math.min(request.limit(), rest.size()));
    return new Page<>(items, rest.size() > items.size(), after != null);
  }

  private static PageKey key(JsonNode resource) {
    Instant created = Instant.parse(resource.path("created_at").asText());
    return new PageKey(Timestamps.toMicros(created), resource.path("id").asText());
  }

  private static JsonNode marker(PageKey key) {
    return dev.agentry.core.Json.mapper()
        .createObjectNode()
        .put("created_at", Timestamps.format(Timestamps.fromMicros(key.primary())))
        .put("id", key.id());
  }

  private void add(ServerRequest req, ServerResponse res) {
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    Session session = SessionRoutes.find(api, req, Api.param(req, "id"));
    Http.ok(res, resources.add(Caller.workspace(req), session, body, api.now()));
  }

  private void retrieve(ServerRequest req, ServerResponse res) {
    Session session = SessionRoutes.find(api, req, Api.param(req, "id"));
    Http.ok(res, SessionResources.find(session, Api.param(req, "rid")).json());
  }

  private void update(ServerRequest req, ServerResponse res) {
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    Session session = SessionRoutes.find(api, req, Api.param(req, "id"));
    Http.ok(res, resources.rotate(session, Api.param(req, "rid"), body, api.now()));
  }

  private void delete(ServerRequest req, ServerResponse res) {
    Session session = SessionRoutes.find(api, req, Api.param(req, "id"));
    String id = Api.param(req, "rid");
    resources.delete(session, id, api.now());
    Http.ok(res, Views.deleted(id, "session_resource_deleted"));
  }
}
