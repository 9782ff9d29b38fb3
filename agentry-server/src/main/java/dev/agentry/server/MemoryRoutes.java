package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Memory;
import dev.agentry.core.MemoryActor;
import dev.agentry.core.MemoryContent;
import dev.agentry.core.MemoryRepository;
import dev.agentry.core.MemoryRepository.VersionFilter;
import dev.agentry.core.MemoryStore;
import dev.agentry.core.MemoryVersion;
import dev.agentry.core.Page;
import dev.agentry.core.PageKey;
import dev.agentry.core.SortOrder;
import dev.agentry.core.Timestamps;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A store's memories and their versions ({@code /v1/memory_stores/{id}/memories…}, {@code
 * …/memory_versions…}). Every write is a version by the calling API key ({@code api_actor}). An
 * archived store is read-only. Listings of memories are by path (a store holds at most 2,000, so a
 * listing folds the paths under its prefix in memory); versions are newest first.
 */
final class MemoryRoutes implements Api.Routes {
  /**
   * A memory body carries up to 100 KB of content, which JSON may escape to six bytes a byte; the
   * server's body limit is raised to this for these routes so that the 100 KB rule is reachable.
   */
  static final long BODY_BYTES = 6L * MemoryContent.MAX_BYTES + 16 * 1024;

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Set<String> CREATE_FIELDS = Set.of("path", "content");
  private static final Set<String> UPDATE_FIELDS = Set.of("path", "content", "precondition");
  private static final List<String> OPERATIONS =
      List.of(MemoryVersion.CREATED, MemoryVersion.MODIFIED, MemoryVersion.DELETED);

  private final Api api;

  MemoryRoutes(Api api) {
    this.api = api;
  }

  @Override
  public void register(HttpRules r) {
    String memories = "/v1/memory_stores/{id}/memories";
    String versions = "/v1/memory_stores/{id}/memory_versions";
    Handler update = this::update;
    r.post(memories, this::create)
        .get(memories, this::list)
        .get(memories + "/{mid}", this::retrieve)
        .post(memories + "/{mid}", update)
        .patch(memories + "/{mid}", update)
        .delete(memories + "/{mid}", this::delete)
        .get(versions, this::listVersions)
        .get(versions + "/{vid}", this::retrieveVersion)
        .post(versions + "/{vid}/redact", this::redact);
  }

  private void create(ServerRequest req, ServerResponse res) {
    MemoryStore store = writable(req);
    boolean full = view(req, false);
    JsonNode body = Http.objectBody(req, Math.max(api.maxBodyBytes(), BODY_BYTES));
    MemoryStoreRoutes.knownFields(body, CREATE_FIELDS);
    String path = MemoryPaths.check(Fields.requiredString(body, "", "path", 1, 1024), "path");
    String content = content(body);
    if (content == null) {
      throw ApiError.invalid("content: is required");
    }
    Memory m = conflicts(() -> repo().create(store.id(), path, content, actor(req), api.now()));
    Http.ok(res, MemoryViews.memory(m, full));
  }

  private void list(ServerRequest req, ServerResponse res) {
    MemoryStore store = MemoryStoreRoutes.find(api, req, Api.param(req, "id"));
    Query q = Api.query(req);
    boolean full = view(req, false);
    String order = q.first("order");
    if (order != null && !order.isEmpty() && !order.equals("asc")) {
      throw ApiError.invalid("order: memories are listed by path, in asc order only");
    }
    String prefix = q.first("path_prefix");
    prefix =
        prefix == null || prefix.isEmpty() ? "/" : MemoryPaths.checkPrefix(prefix, "path_prefix");
    Integer depth = q.integer("depth", 1);
    Listing listing =
        Listing.of(
            q,
            "memories:" + store.id() + ":" + prefix + ":" + depth,
            SortOrder.ASC,
            20,
            100,
            false);
    int limit = Math.min(listing.request().limit(), full ? 20 : 100);
    String after = listing.request().after() == null ? null : listing.request().after().id();
    List<Item> items = fold(repo().list(store.id(), prefix), prefix, depth);
    List<Item> pageItems = new ArrayList<>();
    boolean more = false;
    for (Item item : items) {
      if (after != null && item.path().compareTo(after) <= 0) {
        continue;
      }
      if (pageItems.size() == limit) {
        more = true;
        break;
      }
      pageItems.add(item);
    }
    Map<String, Memory> contents =
        full
            ? repo()
                .findAll(
                    store.id(),
                    pageItems.stream()
                        .filter(i -> i.memory() != null)
                        .map(i -> i.memory().id())
                        .toList())
                .stream()
                .collect(Collectors.toMap(Memory::id, Function.identity()))
            : Map.of();
    Function<Item, JsonNode> view =
        i ->
            i.memory() == null
                ? MemoryViews.prefix(i.path())
                : MemoryViews.memory(contents.getOrDefault(i.memory().id(), i.memory()), full);
    Http.ok(
        res,
        listing.render(
            new Page<>(pageItems, more, after != null), view, i -> new PageKey(0, i.path())));
  }

  /** A memory, or (with a depth) a folder of deeper ones. */
  private record Item(String path, Memory memory) {}

  /**
   * The memories under {@code prefix} (sorted by path) as listing items: with a {@code depth}, a
   * memory more than that many segments below the prefix shows as the folder at that depth, once.
   * Paths sharing a folder are adjacent in path order, and the folder sorts where they do.
   */
  private static List<Item> fold(List<Memory> memories, String prefix, Integer depth) {
    List<Item> out = new ArrayList<>();
    for (Memory m : memories) {
      String[] segments = m.path().substring(prefix.length()).split("/");
      if (depth == null || segments.length <= depth) {
        out.add(new Item(m.path(), m));
        continue;
      }
      String folder = prefix + String.join("/", List.of(segments).subList(0, depth)) + "/";
      if (out.isEmpty() || !out.getLast().path().equals(folder)) {
        out.add(new Item(folder, null));
      }
    }
    return out;
  }

  private void retrieve(ServerRequest req, ServerResponse res) {
    MemoryStore store = MemoryStoreRoutes.find(api, req, Api.param(req, "id"));
    Http.ok(res, MemoryViews.memory(findMemory(store, Api.param(req, "mid")), view(req, true)));
  }

  private void update(ServerRequest req, ServerResponse res) {
    MemoryStore store = writable(req);
    boolean full = view(req, false);
    String memoryId = Api.param(req, "mid");
    JsonNode body = Http.objectBody(req, Math.max(api.maxBodyBytes(), BODY_BYTES));
    MemoryStoreRoutes.knownFields(body, UPDATE_FIELDS);
    String path =
        Fields.isNullOrAbsent(body, "path")
            ? null
            : MemoryPaths.check(Fields.requiredString(body, "", "path", 1, 1024), "path");
    String content = content(body);
    String expected = precondition(body);
    findMemory(store, memoryId);
    Memory m =
        conflicts(
            () ->
                repo()
                    .update(store.id(), memoryId, path, content, expected, actor(req), api.now()));
    Http.ok(res, MemoryViews.memory(m, full));
  }

  private void delete(ServerRequest req, ServerResponse res) {
    MemoryStore store = writable(req);
    String memoryId = Api.param(req, "mid");
    String expected = Api.query(req).first("expected_content_sha256");
    if (expected != null && !SHA256.matcher(expected).matches()) {
      throw ApiError.invalid("expected_content_sha256: must be 64 lowercase hexadecimal digits");
    }
    findMemory(store, memoryId);
    conflicts(() -> repo().delete(store.id(), memoryId, expected, actor(req), api.now()));
    Http.ok(res, Views.deleted(memoryId, "memory_deleted"));
  }

  private void listVersions(ServerRequest req, ServerResponse res) {
    MemoryStore store = MemoryStoreRoutes.find(api, req, Api.param(req, "id"));
    Query q = Api.query(req);
    boolean full = view(req, false);
    String operation = q.first("operation");
    if (operation != null) {
      Fields.oneOf(operation, "operation", OPERATIONS);
    }
    VersionFilter filter =
        new VersionFilter(
            q.first("memory_id"),
            operation,
            q.first("session_id"),
            q.first("api_key_id"),
            q.first("service_account_id"),
            q.timeRange("created_at"));
    Listing listing =
        Listing.of(q, "memory_versions:" + store.id(), SortOrder.DESC, 20, full ? 20 : 100, false);
    Page<MemoryVersion> page = repo().listVersions(store.id(), filter, listing.request());
    Http.ok(
        res,
        listing.render(
            page,
            v -> MemoryViews.version(v, full),
            v -> new PageKey(Timestamps.toMicros(v.createdAt()), v.id())));
  }

  private void retrieveVersion(ServerRequest req, ServerResponse res) {
    MemoryStore store = MemoryStoreRoutes.find(api, req, Api.param(req, "id"));
    Http.ok(res, MemoryViews.version(findVersion(store, Api.param(req, "vid")), view(req, true)));
  }

  private void redact(ServerRequest req, ServerResponse res) {
    MemoryStore store = MemoryStoreRoutes.find(api, req, Api.param(req, "id"));
    String versionId = Api.param(req, "vid");
    findVersion(store, versionId);
    MemoryVersion v = conflicts(() -> repo().redact(store.id(), versionId, actor(req), api.now()));
    Http.ok(res, MemoryViews.version(v, true));
  }

  private MemoryRepository repo() {
    return api.store().memories();
  }

  private MemoryStore writable(ServerRequest req) {
    MemoryStore store = MemoryStoreRoutes.find(api, req, Api.param(req, "id"));
    if (store.archivedAt() != null) {
      throw ApiError.invalid(
          "memory store " + store.id() + " is archived; its memories are read-only",
          "memory_store_archived");
    }
    return store;
  }

  private Memory findMemory(MemoryStore store, String memoryId) {
    return repo()
        .findMemory(store.id(), memoryId)
        .orElseThrow(
            () -> ApiError.notFound("memory " + memoryId + " not found in store " + store.id()));
  }

  private MemoryVersion findVersion(MemoryStore store, String versionId) {
    return repo()
        .findVersion(store.id(), versionId)
        .orElseThrow(
            () ->
                ApiError.notFound(
                    "memory version " + versionId + " not found in store " + store.id()));
  }

  private static MemoryActor actor(ServerRequest req) {
    // A self-hosted worker writes the memories of the session it serves, as the session would.
    var grant = WorkGrant.of(req).filter(WorkGrant::itemToken);
    if (grant.isPresent()) {
      return MemoryActor.session(grant.get().sessionId());
    }
    return MemoryActor.api(Caller.of(req).keyId());
  }

  /** {@code view}: basic or full; absent means {@code fallbackFull}. */
  private static boolean view(ServerRequest req, boolean fallbackFull) {
    String v = Api.query(req).first("view");
    if (v == null || v.isEmpty()) {
      return fallbackFull;
    }
    return Fields.oneOf(v, "view", List.of("basic", "full")).equals("full");
  }

  /** The {@code content}, or null when absent; at most 100 KB of UTF-8. */
  private static String content(JsonNode body) {
    if (Fields.isNullOrAbsent(body, "content")) {
      return null;
    }
    JsonNode v = body.get("content");
    if (!v.isTextual()) {
      throw ApiError.invalid("content: must be a string");
    }
    String content = v.asText();
    if (MemoryContent.size(content) > MemoryContent.MAX_BYTES) {
      throw ApiError.invalid(
          "content: must be at most " + MemoryContent.MAX_BYTES + " bytes of UTF-8");
    }
    return content;
  }

  /** The hash a {@code content_sha256} precondition expects, or null without one. */
  private static String precondition(JsonNode body) {
    if (Fields.isNullOrAbsent(body, "precondition")) {
      return null;
    }
    JsonNode p = Fields.object(body.get("precondition"), "precondition");
    Fields.type(p, "precondition", List.of("content_sha256"));
    for (var it = p.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("type") && !f.equals("content_sha256")) {
        throw ApiError.invalid(
            "precondition." + f + ": unknown field; expected one of [content_sha256, type]",
            "unsupported_feature");
      }
    }
    String sha = Fields.requiredString(p, "precondition", "content_sha256", 64, 64);
    if (!SHA256.matcher(sha).matches()) {
      throw ApiError.invalid(
          "precondition.content_sha256: must be 64 lowercase hexadecimal digits");
    }
    return sha;
  }

  /** Runs a write, turning the store's conflicts into the memories API's 409s. */
  static <T> T conflicts(Supplier<T> write) {
    try {
      return write.get();
    } catch (MemoryRepository.PathConflict e) {
      throw ApiError.memoryConflict(
          "memory_path_conflict_error",
          e.getMessage(),
          Map.of(
              "conflicting_path", e.conflictingPath(),
              "conflicting_memory_id", e.conflictingMemoryId()));
    } catch (MemoryRepository.PreconditionFailed e) {
      throw ApiError.memoryConflict("memory_precondition_failed_error", e.getMessage(), Map.of());
    } catch (MemoryRepository.StoreFull e) {
      throw ApiError.invalid(e.getMessage(), "memory_store_full");
    } catch (dev.agentry.core.StoreException.Conflict e) {
      throw ApiError.memoryConflict("conflict_error", e.getMessage(), Map.of());
    }
  }
}
