package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.EventQuery;
import dev.agentry.core.Json;
import dev.agentry.core.PageKey;
import dev.agentry.core.SessionHead;
import dev.agentry.core.SortOrder;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ThreadView;
import dev.agentry.harness.UserEvent;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code /v1/sessions/{id}/events}: send, list, and the SSE stream. */
final class EventRoutes implements Api.Routes {
  static final int MAX_EVENTS_PER_SEND = 100;
  private static final Set<String> DELTA_TYPES = Set.of("agent.message", "agent.thinking");
  private final Api api;
  private final EventStream stream;

  EventRoutes(Api api, EventStream stream) {
    this.api = api;
    this.stream = stream;
  }

  @Override
  public void register(HttpRules r) {
    r.post("/v1/sessions/{id}/events", this::send)
        .get("/v1/sessions/{id}/events", this::list)
        .get("/v1/sessions/{id}/events/stream", this::stream);
  }

  /**
   * Parses the events and hands them to the harness, which decides whether the session takes them
   * ({@link dev.agentry.harness.Harness#submit}); a refusal is mapped to the envelope by {@link
   * Errors}.
   */
  private void send(ServerRequest req, ServerResponse res) {
    String sessionId = Api.param(req, "id");
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    if (Fields.isNullOrAbsent(body, "events")) {
      throw ApiError.invalid("events: is required");
    }
    List<UserEvent> events =
        Fields.array(body.get("events"), "events", MAX_EVENTS_PER_SEND, UserEventParser::parse);
    if (events.isEmpty()) {
      throw ApiError.invalid("events: must not be empty");
    }
    if (WorkGrant.of(req).isPresent()) {
      for (int i = 0; i < events.size(); i++) {
        String type = events.get(i).type();
        if (!type.equals(UserEvent.TOOL_RESULT) && !type.equals(UserEvent.CUSTOM_TOOL_RESULT)) {
          throw ApiError.forbidden(
              "events["
                  + i
                  + "].type: a work item token may post only user.tool_result and"
                  + " user.custom_tool_result, not "
                  + type);
        }
      }
    }
    List<StoredEvent> stored = api.harness().submit(Caller.workspace(req), sessionId, events);
    if (events.stream().anyMatch(e -> e.type().equals(UserEvent.INTERRUPT))) {
      new WorkLapses(api.store(), api.harness()).requeueFailed(sessionId, api.now());
    }
    StringBuilder out = new StringBuilder("{\"data\":[");
    for (int i = 0; i < stored.size(); i++) {
      out.append(i == 0 ? "" : ",").append(stored.get(i).toJson());
    }
    Http.ok(res, out.append("]}").toString());
  }

  /**
   * The session in the caller's workspace (404 otherwise), without its agent snapshot: these routes
   * need only its state, and sending events is the API's hottest write.
   */
  private SessionHead head(ServerRequest req, String sessionId) {
    return api.store()
        .sessions()
        .head(Caller.workspace(req), sessionId)
        .orElseThrow(() -> ApiError.notFound("session " + sessionId + " not found"));
  }

  private void list(ServerRequest req, ServerResponse res) {
    String sessionId = Api.param(req, "id");
    head(req, sessionId);
    Query q = Api.query(req);
    Listing listing = Listing.of(q, "events:" + sessionId, SortOrder.ASC, 1000, 1000, false);
    var query =
        new EventQuery(new HashSet<>(q.all("types")), q.timeRange("created_at"), listing.request());
    var page = api.store().events().list(sessionId, query);
    Http.ok(res, render(listing, page, ThreadView::onSession));
  }

  /**
   * A page of the log as one stream shows it (docs/decisions/0033): the cursor follows the whole
   * log, so a page may hold fewer events than asked, never skip one.
   */
  static ObjectNode render(
      Listing listing,
      dev.agentry.core.Page<StoredEvent> page,
      java.util.function.Predicate<StoredEvent> shows) {
    ObjectNode out = listing.render(page, EventRoutes::tree, e -> new PageKey(e.seq(), ""));
    var data = out.putArray("data");
    page.items().stream().filter(shows).forEach(e -> data.add(tree(e)));
    return out;
  }

  private static JsonNode tree(StoredEvent e) {
    try {
      return Json.mapper().readTree(e.toJson());
    } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
      throw new IllegalStateException("stored event " + e.id() + " is not valid JSON", ex);
    }
  }

  private void stream(ServerRequest req, ServerResponse res) {
    String sessionId = Api.param(req, "id");
    head(req, sessionId);
    Set<String> deltas = deltas(Api.query(req));
    long resumeAfter = resumePosition(req, sessionId);
    stream.run(
        sessionId, resumeAfter, new StreamHub.Connection(deltas, null, ThreadView::onSession), res);
  }

  /** The {@code event_deltas[]} of a stream request, checked. */
  static Set<String> deltas(Query q) {
    List<String> deltas = q.all("event_deltas");
    if (deltas.size() > 100) {
      throw ApiError.invalid("event_deltas[]: at most 100 values");
    }
    for (String d : deltas) {
      if (!DELTA_TYPES.contains(d)) {
        throw ApiError.invalid(
            "event_deltas[]: must be agent.message or agent.thinking, got '" + d + "'");
      }
    }
    return Set.copyOf(deltas);
  }

  /** The seq after which to resume, from {@code Last-Event-ID} (an event id or a seq), or -1. */
  long resumePosition(ServerRequest req, String sessionId) {
    return resumePosition(api, req, sessionId);
  }

  static long resumePosition(Api api, ServerRequest req, String sessionId) {
    var header = req.headers().value(io.helidon.http.HeaderNames.create("Last-Event-ID"));
    if (header.isEmpty() || header.get().isBlank()) {
      return -1;
    }
    String value = header.get().trim();
    if (value.chars().allMatch(Character::isDigit) && value.length() < 19) {
      return Long.parseLong(value);
    }
    return api.store()
        .events()
        .find(sessionId, value)
        .map(StoredEvent::seq)
        .orElseThrow(
            () -> ApiError.invalid("Last-Event-ID: " + value + " is not an event of this session"));
  }
}
