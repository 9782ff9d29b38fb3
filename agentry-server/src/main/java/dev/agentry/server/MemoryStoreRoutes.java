package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.MemoryStore;
import dev.agentry.core.PageKey;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.SortOrder;
import dev.agentry.core.Timestamps;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * {@code /v1/memory_stores}: the stores themselves. Their memories and versions are {@link
 * MemoryRoutes}. A store belongs to the caller's workspace; another workspace's store is a 404.
 */
final class MemoryStoreRoutes implements Api.Routes {
  private static final Set<String> FIELDS = Set.of("name", "description", "metadata");

  private final Api api;

  MemoryStoreRoutes(Api api) {
    this.api = api;
  }

  @Override
  public void register(HttpRules r) {
    r.post("/v1/memory_stores", this::create)
        .get("/v1/memory_stores", this::list)
        .get("/v1/memory_stores/{id}", this::retrieve)
        .post("/v1/memory_stores/{id}", this::update)
        .post("/v1/memory_stores/{id}/archive", this::archive)
        .delete("/v1/memory_stores/{id}", this::delete);
  }

  private void create(ServerRequest req, ServerResponse res) {
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    knownFields(body, FIELDS);
    Instant now = api.now();
    String description = Fields.optionalString(body, "", "description", 0, 1024);
    MemoryStore store =
        new MemoryStore(
            Ids.next(IdKind.MEMORY_STORE),
            Fields.requiredString(body, "", "name", 1, 255),
            description == null ? "" : description,
            Fields.metadata(body, ""),
            now,
            now,
            null);
    Http.ok(
        res, MemoryViews.store(api.store().memories().createStore(Caller.workspace(req), store)));
  }

  private void list(ServerRequest req, ServerResponse res) {
    Query q = Api.query(req);
    Listing listing = Listing.of(q, "memory_stores", SortOrder.DESC, 20, 100, false);
    var filter = new ResourceFilter(q.flag("include_archived"), q.timeRange("created_at"));
    var page = api.store().memories().listStores(Caller.workspace(req), filter, listing.request());
    Http.ok(
        res,
        listing.render(
            page,
            MemoryViews::store,
            s -> new PageKey(Timestamps.toMicros(s.createdAt()), s.id())));
  }

  private void retrieve(ServerRequest req, ServerResponse res) {
    Http.ok(res, MemoryViews.store(find(api, req, Api.param(req, "id"))));
  }

  private void update(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    knownFields(body, FIELDS);
    MemoryStore current = find(api, req, id);
    String name =
        Fields.isNullOrAbsent(body, "name")
            ? current.name()
            : Fields.requiredString(body, "", "name", 1, 255);
    String description =
        Fields.isNullOrAbsent(body, "description")
            ? current.description()
            : Fields.optionalString(body, "", "description", 0, 1024);
    Map<String, String> metadata =
        Fields.isNullOrAbsent(body, "metadata")
            ? current.metadata()
            : Fields.patchMetadata(current.metadata(), body.get("metadata"), "metadata", false);
    Instant now = api.now();
    MemoryStore updated =
        api.store()
            .memories()
            .updateStore(
                id,
                s ->
                    name.equals(s.name())
                            && description.equals(s.description())
                            && metadata.equals(s.metadata())
                        ? s
                        : new MemoryStore(
                            s.id(),
                            name,
                            description,
                            metadata,
                            s.createdAt(),
                            now,
                            s.archivedAt()));
    Http.ok(res, MemoryViews.store(updated));
  }

  private void archive(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    find(api, req, id);
    Instant now = api.now();
    MemoryStore archived =
        api.store()
            .memories()
            .updateStore(
                id,
                s ->
                    s.archivedAt() != null
                        ? s
                        : new MemoryStore(
                            s.id(),
                            s.name(),
                            s.description(),
                            s.metadata(),
                            s.createdAt(),
                            now,
                            now));
    Http.ok(res, MemoryViews.store(archived));
  }

  private void delete(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    find(api, req, id);
    if (!api.store().memories().deleteStore(id)) {
      throw ApiError.notFound("memory store " + id + " not found");
    }
    Http.ok(res, Views.deleted(id, "memory_store_deleted"));
  }

  /** The caller's store {@code id}, or a 404. */
  static MemoryStore find(Api api, ServerRequest req, String id) {
    return api.store()
        .memories()
        .findStore(Caller.workspace(req), id)
        .orElseThrow(() -> ApiError.notFound("memory store " + id + " not found"));
  }

  /** A 400 {@code unsupported_feature} naming the first field that is not in {@code known}. */
  static void knownFields(JsonNode body, Set<String> known) {
    for (var it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        throw ApiError.invalid(
            f + ": unknown field; expected one of " + known.stream().sorted().toList(),
            "unsupported_feature");
      }
    }
  }
}
