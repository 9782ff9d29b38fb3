package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Environment;
import dev.agentry.core.EnvironmentConfig;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.WorkItem;
import dev.agentry.core.WorkRepository;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /v1/environments/{id}/work}: the work queue of a {@code self_hosted} environment, as the
 * SDKs' {@code EnvironmentWorker} drives it (cma-later-surfaces.md §1.8, docs/decisions/0038).
 * Workers list, poll and ack with the environment key, heartbeat and stop with the item's token (or
 * the key); retrieve, update and stats take an API key, and stop does too.
 */
final class WorkRoutes implements Api.Routes {
  static final String NO_HEARTBEAT = "NO_HEARTBEAT";
  static final String WORKER_HEADER = "Anthropic-Worker-ID";

  /** What {@code reclaim_older_than_ms} is when a poll does not say. */
  static final Duration DEFAULT_RECLAIM = Duration.ofMillis(5000);

  /** Workers that polled this recently count in {@code workers_polling}. */
  static final Duration POLLING_WINDOW = Duration.ofSeconds(30);

  static final int MIN_TTL_SECONDS = 10;
  static final int MAX_TTL_SECONDS = 3600;

  private final Api api;
  private final WorkLapses lapses;

  WorkRoutes(Api api) {
    this.api = api;
    this.lapses = new WorkLapses(api.store(), api.harness());
  }

  @Override
  public void register(HttpRules r) {
    String base = "/v1/environments/{id}/work";
    r.get(base, this::list)
        .get(base + "/poll", this::poll)
        .get(base + "/stats", this::stats)
        .get(base + "/{wid}", this::retrieve)
        .post(base + "/{wid}", this::update)
        .post(base + "/{wid}/ack", this::ack)
        .post(base + "/{wid}/heartbeat", this::heartbeat)
        .post(base + "/{wid}/stop", this::stop);
  }

  private WorkRepository work() {
    return api.store().work();
  }

  private void list(ServerRequest req, ServerResponse res) {
    String env = selfHosted(req, workerOnly(req, "list")).id();
    Query q = Api.query(req);
    int limit = q.limit(20, 100);
    List<WorkItem> items = work().list(env, emptyToNull(q.first("page")), limit + 1);
    ObjectNode out = Json.mapper().createObjectNode();
    var data = out.putArray("data");
    items.stream().limit(limit).forEach(w -> data.add(WorkViews.item(w, null)));
    out.put("next_page", items.size() > limit ? items.get(limit - 1).id() : null);
    Http.ok(res, out);
  }

  /**
   * Hands out the oldest offerable item, or waits up to {@code block_ms} for one: an offer wakes
   * the wait at once, on this node or (through the cluster feed's notice) on another.
   */
  private void poll(ServerRequest req, ServerResponse res) {
    String env = selfHosted(req, workerOnly(req, "poll")).id();
    Query q = Api.query(req);
    int blockMs = boundedInt(q, "block_ms", 1, 999, 0);
    int reclaimMs =
        boundedInt(
            q, "reclaim_older_than_ms", 0, Integer.MAX_VALUE, (int) DEFAULT_RECLAIM.toMillis());
    String workerId = req.headers().value(HeaderNames.create(WORKER_HEADER)).orElse("").trim();
    if (workerId.length() > 256) {
      throw ApiError.invalid(WORKER_HEADER + ": must be at most 256 characters");
    }
    Instant now = api.now();
    if (!workerId.isEmpty()) {
      work().recordPoller(env, workerId, now);
    }
    lapses.sweep(env, now);
    long deadline = System.nanoTime() + Duration.ofMillis(blockMs).toNanos();
    while (true) {
      String token = Ids.secret(WorkerAuth.ITEM_TOKEN_PREFIX, 43);
      long heard = work().offersHeard();
      Optional<WorkItem> item =
          work()
              .poll(
                  env,
                  workerId.isEmpty() ? null : workerId,
                  Keys.hash(token),
                  Duration.ofMillis(reclaimMs),
                  api.now());
      if (item.isPresent()) {
        Http.ok(res, WorkViews.item(item.get(), WorkViews.secret(token, baseUrl(req))));
        return;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        Http.ok(res, "null");
        return;
      }
      try {
        work().awaitOffer(env, heard, Duration.ofNanos(left));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        Http.ok(res, "null");
        return;
      }
    }
  }

  private void stats(ServerRequest req, ServerResponse res) {
    String env = selfHosted(req, apiKeyOnly(req, "stats")).id();
    Instant now = api.now();
    lapses.sweep(env, now);
    WorkRepository.Stats s = work().stats(env, now.minus(POLLING_WINDOW));
    Http.ok(
        res,
        Json.mapper()
            .createObjectNode()
            .put("type", "work_queue_stats")
            .put("depth", s.depth())
            .put("pending", s.pending())
            .put("oldest_queued_at", WorkViews.time(s.oldestQueuedAt()))
            .put("workers_polling", s.workersPolling()));
  }

  private void retrieve(ServerRequest req, ServerResponse res) {
    String env = selfHosted(req, apiKeyOnly(req, "retrieve")).id();
    Http.ok(res, WorkViews.item(find(env, Api.param(req, "wid")), null));
  }

  private void update(ServerRequest req, ServerResponse res) {
    String env = selfHosted(req, apiKeyOnly(req, "update")).id();
    String id = Api.param(req, "wid");
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    MemoryStoreRoutes.knownFields(body, Set.of("metadata"));
    if (Fields.isNullOrAbsent(body, "metadata")) {
      throw ApiError.invalid("metadata: is required");
    }
    WorkItem current = find(env, id);
    JsonNode patch = body.get("metadata");
    Fields.patchMetadata(current.metadata(), patch, "metadata", false); // validates, 400s
    Map<String, String> changes = new HashMap<>();
    patch.properties().forEach(e -> changes.put(e.getKey(), e.getValue().textValue()));
    WorkItem updated =
        work()
            .updateMetadata(env, id, changes)
            .orElseThrow(() -> ApiError.notFound("work item " + id + " not found"));
    Http.ok(res, WorkViews.item(updated, null));
  }

  private void ack(ServerRequest req, ServerResponse res) {
    String env = selfHosted(req, workerOnly(req, "ack")).id();
    String id = Api.param(req, "wid");
    Optional<WorkItem> acked = work().ack(env, id, api.now());
    if (acked.isEmpty()) {
      WorkItem w = find(env, id);
      throw ApiError.conflict("work item " + id + " is " + w.state() + ", not queued");
    }
    Http.ok(res, WorkViews.item(acked.get(), null));
  }

  /**
   * The claim is the first heartbeat ({@code expected_last_heartbeat=NO_HEARTBEAT}); each next one
   * echoes the {@code last_heartbeat} it was given. Any other value means another worker may hold
   * the item: 412 with the lease as the server holds it, nothing changed.
   */
  private void heartbeat(ServerRequest req, ServerResponse res) {
    String env = selfHosted(req, workerOnly(req, "heartbeat")).id();
    String id = Api.param(req, "wid");
    Query q = Api.query(req);
    int ttl =
        Math.max(MIN_TTL_SECONDS, boundedInt(q, "desired_ttl_seconds", 1, MAX_TTL_SECONDS, 300));
    String raw = q.first("expected_last_heartbeat");
    Instant expected;
    if (raw == null || raw.isEmpty()) {
      expected = find(env, id).latestHeartbeatAt(); // unconditional
    } else if (raw.equals(NO_HEARTBEAT)) {
      expected = null;
    } else {
      try {
        expected = OffsetDateTime.parse(raw).toInstant();
      } catch (DateTimeParseException e) {
        throw ApiError.invalid(
            "expected_last_heartbeat: must be NO_HEARTBEAT or the last_heartbeat of the previous"
                + " heartbeat (RFC 3339)");
      }
    }
    WorkRepository.Heartbeat hb =
        work()
            .heartbeat(env, id, expected, Duration.ofSeconds(ttl), api.now())
            .orElseThrow(() -> ApiError.notFound("work item " + id + " not found"));
    if (!hb.matched()) {
      ObjectNode details = Json.mapper().createObjectNode();
      details.set("current_state", WorkViews.lease(hb.item(), false));
      throw ApiError.preconditionFailed(
          "expected_last_heartbeat: "
              + raw
              + " is not the stored last heartbeat of work item "
              + id
              + "; another worker may hold its lease",
          "heartbeat_precondition_failed",
          details);
    }
    ObjectNode out = WorkViews.lease(hb.item(), hb.extended()).put("type", "work_heartbeat");
    if (hb.item().latestHeartbeatAt() == null) {
      out.put("last_heartbeat", "");
    }
    Http.ok(res, out);
  }

  /**
   * A forced stop, or a stop of an item nobody holds, ends it now; otherwise its holder is told by
   * its next heartbeat to finish up. A session whose calls still wait is offered again.
   */
  private void stop(ServerRequest req, ServerResponse res) {
    String env = selfHosted(req, req.context().get(WorkGrant.class).orElse(null)).id();
    String id = Api.param(req, "wid");
    boolean force = false;
    if (req.content().hasEntity()) {
      JsonNode body = Http.objectBody(req, api.maxBodyBytes());
      MemoryStoreRoutes.knownFields(body, Set.of("force"));
      force = Fields.optionalBoolean(body, "", "force", false);
    }
    Instant now = api.now();
    Optional<WorkItem> stopped = work().stop(env, id, force, now);
    if (stopped.isEmpty()) {
      find(env, id);
      throw ApiError.conflict("work item " + id + " is already stopped");
    }
    WorkItem w = stopped.get();
    if (w.stopped()
        && api.harness().awaitsWorker(w.sessionId())
        && !WorkLapses.archived(api.store(), w.sessionId())) {
      work().offer(w.workspaceId(), env, w.sessionId(), now);
    }
    Http.ok(res, WorkViews.item(w, null));
  }

  private WorkItem find(String env, String id) {
    return work()
        .find(env, id)
        .orElseThrow(() -> ApiError.notFound("work item " + id + " not found"));
  }

  /** The environment of the path, in the caller's workspace, and {@code self_hosted}. */
  private Environment selfHosted(ServerRequest req, WorkGrant grant) {
    String id = Api.param(req, "id");
    Environment env =
        api.store()
            .environments()
            .find(Caller.workspace(req), id)
            .orElseThrow(() -> ApiError.notFound("environment " + id + " not found"));
    if (!(env.config() instanceof EnvironmentConfig.SelfHosted)) {
      throw ApiError.invalid(
          "environment "
              + id
              + " is not self_hosted: it has no work queue (its config.type is "
              + env.config().typeName()
              + ")");
    }
    if (grant != null && !grant.environmentId().equals(id)) {
      throw ApiError.forbidden("this credential acts only on environment " + grant.environmentId());
    }
    return env;
  }

  /** Worker calls take the environment key (or the item's token): an API key is refused. */
  private static WorkGrant workerOnly(ServerRequest req, String call) {
    return WorkGrant.of(req)
        .orElseThrow(
            () ->
                ApiError.forbidden(
                    "work."
                        + call
                        + " takes the environment's key (agentry environments key ENV_ID), not an"
                        + " API key"));
  }

  /** Operator calls take an API key: a worker's credentials are refused. */
  private static WorkGrant apiKeyOnly(ServerRequest req, String call) {
    if (WorkGrant.of(req).isPresent()) {
      throw ApiError.forbidden("work." + call + " takes an API key, not a worker's credential");
    }
    return null;
  }

  private static int boundedInt(Query q, String name, int min, int max, int fallback) {
    String v = q.first(name);
    if (v == null || v.isEmpty()) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // the message below names the rule
    }
    throw ApiError.invalid(name + ": must be an integer between " + min + " and " + max);
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** Where the worker sends the item's calls: the address it reached this server at. */
  private static String baseUrl(ServerRequest req) {
    var uri = req.requestedUri();
    String scheme = uri.scheme();
    int port = uri.port();
    boolean defaultPort =
        (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
    return scheme + "://" + uri.host() + (defaultPort ? "" : ":" + port);
  }
}
