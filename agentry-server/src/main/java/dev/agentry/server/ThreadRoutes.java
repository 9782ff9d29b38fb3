package dev.agentry.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Agent;
import dev.agentry.core.Event;
import dev.agentry.core.EventCodec;
import dev.agentry.core.Json;
import dev.agentry.core.Page;
import dev.agentry.core.PageKey;
import dev.agentry.core.Roster;
import dev.agentry.core.Session;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.SessionThreads;
import dev.agentry.core.SessionUsage;
import dev.agentry.core.SortOrder;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ThreadView;
import dev.agentry.core.Timestamps;
import dev.agentry.harness.Spend;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code /v1/sessions/{id}/threads}: a multi-agent session's threads, folded from its log
 * (docs/decisions/0033). The primary thread is the session itself and is listed first; a member's
 * thread is listed once the coordinator first sent to it.
 */
final class ThreadRoutes implements Api.Routes {
  private static final Set<String> STATUSES =
      Set.of("running", "idle", "rescheduling", "terminated");
  private static final int PAGE = 1000;

  private final Api api;
  private final EventStream stream;

  ThreadRoutes(Api api, EventStream stream) {
    this.api = api;
    this.stream = stream;
  }

  @Override
  public void register(HttpRules r) {
    r.get("/v1/sessions/{id}/threads", this::list)
        .get("/v1/sessions/{id}/threads/{tid}", this::retrieve)
        .post("/v1/sessions/{id}/threads/{tid}/archive", this::archive)
        .get("/v1/sessions/{id}/threads/{tid}/events", this::events)
        .get("/v1/sessions/{id}/threads/{tid}/stream", this::stream);
  }

  /** One thread as the API shows it. */
  private record Row(
      String id,
      String parent,
      String agentName,
      Agent agent,
      String status,
      long[] tokens,
      Instant createdAt,
      Instant updatedAt,
      Instant archivedAt,
      double activeSeconds,
      double durationSeconds) {}

  private void list(ServerRequest req, ServerResponse res) {
    Session session = SessionRoutes.find(api, req, Api.param(req, "id"));
    Query q = Api.query(req);
    Set<String> statuses = new HashSet<>(q.all("statuses"));
    for (String s : statuses) {
      if (!STATUSES.contains(s)) {
        throw ApiError.invalid(
            "statuses[]: must be running, idle, rescheduling or terminated, got '" + s + "'");
      }
    }
    Listing listing = Listing.of(q, "threads:" + session.id(), SortOrder.ASC, 100, 1000, false);
    List<Row> rows = new ArrayList<>();
    for (Row row : rows(session, log(session.id()), api.now())) {
      if (statuses.isEmpty() || statuses.contains(row.status())) {
        rows.add(row);
      }
    }
    long after = listing.request().after() == null ? 0 : listing.request().after().primary();
    int from = (int) Math.min(rows.size(), Math.max(0, after));
    int to = Math.min(rows.size(), from + listing.request().limit());
    List<Integer> positions = new ArrayList<>();
    for (int i = from; i < to; i++) {
      positions.add(i);
    }
    Page<Integer> page = new Page<>(positions, to < rows.size(), from > 0);
    Http.ok(
        res,
        listing.render(
            page, i -> view(session, rows.get(i)), i -> new PageKey(i + 1, rows.get(i).id())));
  }

  private void retrieve(ServerRequest req, ServerResponse res) {
    Session session = SessionRoutes.find(api, req, Api.param(req, "id"));
    Http.ok(res, view(session, row(session, log(session.id()), Api.param(req, "tid"))));
  }

  /** Archives an idle member thread ({@code requires_action} counts as idle): it ends for good. */
  private void archive(ServerRequest req, ServerResponse res) {
    Session session = SessionRoutes.find(api, req, Api.param(req, "id"));
    String tid = Api.param(req, "tid");
    List<StoredEvent> log = log(session.id());
    Row row = row(session, log, tid);
    if (row.parent() == null) {
      throw ApiError.invalid(
          "thread " + tid + " is the session's primary thread; archive the session instead");
    }
    if (row.archivedAt() == null) {
      SessionThreads.Thread t = SessionThreads.of(log).get(tid);
      if (!t.status().equals("idle") || (t.busy() && !t.requiresAction())) {
        throw ApiError.invalid(
            "thread " + tid + " is " + t.status() + "; only an idle thread can be archived");
      }
      var ended = new Event.SessionThreadStatusTerminated(tid, row.agentName());
      api.store().events().append(session.id(), List.of(EventCodec.draft(ended, api.now())));
      log = log(session.id());
      row = row(session, log, tid);
    }
    Http.ok(res, view(session, row));
  }

  private void events(ServerRequest req, ServerResponse res) {
    Session session = SessionRoutes.find(api, req, Api.param(req, "id"));
    String tid = Api.param(req, "tid");
    row(session, log(session.id()), tid);
    Query q = Api.query(req);
    Listing listing = Listing.of(q, "thread_events:" + tid, SortOrder.ASC, 1000, 1000, false);
    var query =
        new dev.agentry.core.EventQuery(
            new HashSet<>(q.all("types")), q.timeRange("created_at"), listing.request());
    var page = api.store().events().list(session.id(), query);
    Http.ok(res, EventRoutes.render(listing, page, e -> ThreadView.onThread(e, session.id(), tid)));
  }

  private void stream(ServerRequest req, ServerResponse res) {
    Session session = SessionRoutes.find(api, req, Api.param(req, "id"));
    String tid = Api.param(req, "tid");
    Row row = row(session, log(session.id()), tid);
    Set<String> deltas = EventRoutes.deltas(Api.query(req));
    long resumeAfter = EventRoutes.resumePosition(api, req, session.id());
    String sid = session.id();
    String child = row.parent() == null ? null : tid;
    stream.run(
        sid,
        resumeAfter,
        new StreamHub.Connection(deltas, child, e -> ThreadView.onThread(e, sid, tid)),
        res);
  }

  private List<StoredEvent> log(String sessionId) {
    List<StoredEvent> log = new ArrayList<>();
    while (true) {
      List<StoredEvent> page = api.store().events().readAfter(sessionId, log.size(), PAGE);
      log.addAll(page);
      if (page.size() < PAGE) {
        return log;
      }
    }
  }

  /** The thread {@code tid} of the session; 404 when it is not one of this session's. */
  private Row row(Session session, List<StoredEvent> log, String tid) {
    return rows(session, log, api.now()).stream()
        .filter(r -> r.id().equals(tid))
        .findFirst()
        .orElseThrow(
            () -> ApiError.notFound("thread " + tid + " not found in session " + session.id()));
  }

  private static List<Row> rows(Session session, List<StoredEvent> log, Instant now) {
    String primary = ThreadView.primaryId(session.id());
    List<Row> rows = new ArrayList<>();
    rows.add(
        new Row(
            primary,
            null,
            session.agent().spec().name(),
            session.agent(),
            session.status() == SessionStatus.RESCHEDULING
                ? "rescheduling"
                : session.status().wireName(),
            primaryTokens(log),
            session.createdAt(),
            session.updatedAt(),
            null,
            Spend.usage(session).activeSeconds(),
            Math.max(0, Duration.between(session.createdAt(), now).toMillis() / 1000.0)));
    Roster roster = Roster.of(session.agent()).orElse(null);
    for (SessionThreads.Thread t : SessionThreads.of(log).values()) {
      Agent agent =
          roster == null
              ? session.agent()
              : roster.member(t.agentName).map(Roster.Member::agent).orElse(session.agent());
      rows.add(
          new Row(
              t.id,
              primary,
              t.agentName,
              agent,
              t.status(),
              t.tokens(),
              t.createdAt,
              t.updatedAt(),
              t.archivedAt(),
              t.activeSeconds(now),
              t.durationSeconds(now)));
    }
    return rows;
  }

  /** The primary thread's own model requests: those of no member. */
  private static long[] primaryTokens(List<StoredEvent> log) {
    long[] sum = new long[4];
    for (StoredEvent e : log) {
      if (e.type().equals("span.model_request_end")
          && ThreadView.owner(e.type(), e.payload()) == null
          && EventCodec.read(e) instanceof Event.SpanModelRequestEnd end
          && end.modelUsage() != null) {
        sum[0] += end.modelUsage().inputTokens();
        sum[1] += end.modelUsage().outputTokens();
        sum[2] += end.modelUsage().cacheCreationInputTokens();
        sum[3] += end.modelUsage().cacheReadInputTokens();
      }
    }
    return sum;
  }

  private ObjectNode view(Session session, Row r) {
    ObjectNode n = Json.mapper().createObjectNode().put("type", "session_thread").put("id", r.id());
    n.put("session_id", session.id()).put("parent_thread_id", r.parent());
    n.put("agent_name", r.agentName());
    n.set("agent", Views.agent(r.agent()));
    n.put("status", r.status());
    n.putObject("stats")
        .put("active_seconds", r.activeSeconds())
        .put("duration_seconds", r.durationSeconds());
    long[] t = r.tokens();
    ObjectNode usage = n.putObject("usage");
    usage.put("input_tokens", t[0]).put("output_tokens", t[1]);
    usage.put("cache_read_input_tokens", t[3]);
    usage
        .putObject("cache_creation")
        .put("ephemeral_5m_input_tokens", t[2])
        .put("ephemeral_1h_input_tokens", 0);
    Session priced =
        session.withAgent(r.agent()).withUsage(new SessionUsage(t[0], t[1], t[3], t[2], 0));
    usage.set("list_cost", Spend.listCostNode(priced, api.spend()));
    n.putNull("workflow_run_id");
    n.put("created_at", Timestamps.format(r.createdAt()));
    n.put("updated_at", Timestamps.format(r.updatedAt()));
    n.put("archived_at", r.archivedAt() == null ? null : Timestamps.format(r.archivedAt()));
    return n;
  }
}
