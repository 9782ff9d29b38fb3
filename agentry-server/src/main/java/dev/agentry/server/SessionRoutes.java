package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Agent;
import dev.agentry.core.Environment;
import dev.agentry.core.EventDraft;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.ModelClient;
import dev.agentry.core.PageKey;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.Session;
import dev.agentry.core.SessionBudget;
import dev.agentry.core.SessionFilter;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.SessionUsage;
import dev.agentry.core.SortOrder;
import dev.agentry.core.StoreException;
import dev.agentry.core.Timestamps;
import dev.agentry.core.Vault;
import dev.agentry.harness.UserEvent;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code /v1/sessions}: create, list (bidirectional cursor), retrieve, update, archive, delete. */
final class SessionRoutes implements Api.Routes {
  static final int MAX_INITIAL_EVENTS = 50;
  private final Api api;
  private final SessionResources resources;
  private final ModelClient models;

  /** {@code models} says which model ids an {@code agent_with_overrides} may name. */
  SessionRoutes(Api api, SessionResources resources, ModelClient models) {
    this.api = api;
    this.resources = resources;
    this.models = models;
  }

  @Override
  public void register(HttpRules r) {
    r.post("/v1/sessions", this::create)
        .get("/v1/sessions", this::list)
        .get("/v1/sessions/{id}", this::retrieve)
        .post("/v1/sessions/{id}", this::update)
        .post("/v1/sessions/{id}/archive", this::archive)
        .delete("/v1/sessions/{id}", this::delete);
  }

  private void create(ServerRequest req, ServerResponse res) {
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    Session created = create(Caller.workspace(req), body);
    Http.ok(res, Views.session(created, api.now(), api.spend()));
  }

  /**
   * Makes a session from a create body in {@code workspace}: the one path for {@code POST
   * /v1/sessions} and for deployment runs.
   *
   * @throws ApiError naming what in the body is wrong (an archived agent, a missing vault, …)
   */
  Session create(String workspace, JsonNode body) {
    // Roster members are pinned here: the session keeps them whatever happens to them later.
    Agent agent = new Rosters(api.store().agents(), workspace).snapshot(agent(workspace, body));
    // Skills too: "latest" becomes the version it is now.
    agent = SkillRefs.pin(agent, api.store().skills(), workspace);
    Environment env = environment(workspace, body);
    List<String> vaultIds = vaultIds(workspace, body);
    List<ResourceParser.Parsed> parsed = resources.parseCreate(workspace, body, api.now());
    String title = Fields.optionalString(body, "", "title", 0, 1024);
    Map<String, String> metadata = Fields.metadata(body, "");
    List<EventDraft> initial = initialEvents(workspace, body);
    SessionBudget budget = BudgetParser.parse(body);
    Instant now = api.now();
    Session session =
        new Session(
            Ids.next(IdKind.SESSION),
            title,
            SessionStatus.IDLE,
            env.id(),
            agent,
            metadata,
            vaultIds,
            parsed.stream().map(p -> (JsonNode) p.json()).toList(),
            SessionUsage.ZERO,
            now,
            now,
            null,
            budget);
    Session created = api.store().sessions().create(workspace, session, initial);
    // Creation returns once resources are ready: files copied, repositories cloned (a failure is a
    // session.error on the new session). The agent's first turn starts after that.
    resources.created(created, parsed, now);
    if (!initial.isEmpty()) {
      api.harness().wake(created.id());
    }
    return created;
  }

  /**
   * Checks a session create body as {@link #create(String, JsonNode)} would, making nothing: a
   * deployment's template is checked when it is saved, not first when it runs.
   */
  void check(String workspace, JsonNode body) {
    agent(workspace, body);
    environment(workspace, body);
    vaultIds(workspace, body);
    resources.parseCreate(workspace, body, api.now());
    initialEvents(workspace, body);
    BudgetParser.parse(body);
  }

  /**
   * The agent as {@code "agent_…"} (latest), {@code {type:"agent", id, version?}}, or that version
   * with the fields of an {@code agent_with_overrides} replaced (docs/decisions/0042).
   */
  private Agent agent(String workspace, JsonNode body) {
    if (Fields.isNullOrAbsent(body, "agent")) {
      throw ApiError.invalid("agent: is required");
    }
    JsonNode node = body.get("agent");
    String id;
    Integer version = null;
    if (node.isTextual()) {
      id = Fields.checkString(node, "agent", 1, 128);
    } else {
      Fields.type(node, "agent", List.of("agent", SessionAgents.WITH_OVERRIDES));
      id = Fields.requiredString(node, "agent", "id", 1, 128);
      version = Fields.optionalInt(node, "agent", "version", 1, Integer.MAX_VALUE);
    }
    var found =
        version == null
            ? api.store().agents().find(workspace, id)
            : api.store().agents().findVersion(workspace, id, version);
    Agent agent =
        found.orElseThrow(
            () ->
                ApiError.invalid(
                    "agent: no agent "
                        + id
                        + (node.isTextual() || !node.has("version") ? "" : " with that version"),
                    "agent_not_found"));
    if (agent.archivedAt() != null) {
      throw ApiError.invalid("agent: agent " + id + " is archived", "agent_archived");
    }
    if (!node.isTextual() && node.path("type").asText().equals(SessionAgents.WITH_OVERRIDES)) {
      return SessionAgents.overridden(agent, node, models);
    }
    return agent;
  }

  private Environment environment(String workspace, JsonNode body) {
    String id = Fields.requiredString(body, "", "environment_id", 1, 128);
    Environment env =
        api.store()
            .environments()
            .find(workspace, id)
            .orElseThrow(
                () ->
                    ApiError.invalid(
                        "environment_id: no environment " + id, "environment_not_found"));
    if (env.archivedAt() != null) {
      throw ApiError.invalid(
          "environment_id: environment " + id + " is archived", "environment_archived");
    }
    return env;
  }

  private List<String> vaultIds(String workspace, JsonNode body) {
    List<String> ids = Fields.stringArray(body, "", "vault_ids", 20, 128);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      String path = "vault_ids[" + i + "]";
      if (!seen.add(id)) {
        throw ApiError.invalid(path + ": " + id + " is listed twice");
      }
      Vault v =
          api.store()
              .vaults()
              .find(workspace, id)
              .orElseThrow(() -> ApiError.invalid(path + ": no vault " + id, "vault_not_found"));
      if (v.archivedAt() != null) {
        throw ApiError.invalid(path + ": vault " + id + " is archived", "vault_archived");
      }
    }
    return ids;
  }

  private List<EventDraft> initialEvents(String workspace, JsonNode body) {
    List<UserEvent> parsed =
        Fields.optionalArray(
            body, "", "initial_events", MAX_INITIAL_EVENTS, UserEventParser::parse);
    List<EventDraft> drafts = new ArrayList<>();
    Instant now = api.now();
    int outcomes = 0;
    for (int i = 0; i < parsed.size(); i++) {
      UserEvent p = parsed.get(i);
      if (!p.type().equals(UserEvent.MESSAGE) && !p.type().equals(UserEvent.DEFINE_OUTCOME)) {
        throw ApiError.invalid(
            "initial_events["
                + i
                + "].type: only user.message and user.define_outcome are allowed");
      }
      if (p.type().equals(UserEvent.DEFINE_OUTCOME)) {
        checkOutcome(workspace, p, "initial_events[" + i + "]", outcomes++);
      }
      drafts.add(
          EventDraft.of(p.type(), p.payload().toString(), p.processedOnReceipt() ? now : null));
    }
    return drafts;
  }

  /**
   * An initial outcome's rubric file exists, and it is the only outcome: one is active at a time
   * (docs/decisions/0043; the events API checks the same against the log).
   */
  private void checkOutcome(String workspace, UserEvent outcome, String path, int before) {
    if (before > 0) {
      throw ApiError.invalid(
          path
              + ".type: only one outcome is active at a time; an earlier initial event defines one");
    }
    JsonNode rubric = outcome.payload().path("rubric");
    if (rubric.path("type").asText().equals("file")) {
      String fileId = rubric.path("file_id").asText();
      if (api.files().find(workspace, fileId).isEmpty()) {
        throw ApiError.invalid(
            path + ".rubric.file_id: no file " + fileId + " in this workspace", "file_not_found");
      }
    }
  }

  private void list(ServerRequest req, ServerResponse res) {
    Query q = Api.query(req);
    Listing listing = Listing.of(q, "sessions", SortOrder.DESC, 20, 100, true);
    Set<SessionStatus> statuses = new HashSet<>();
    for (String s : q.all("statuses")) {
      SessionStatus status = SessionStatus.fromWire(s);
      if (status == null) {
        throw ApiError.invalid(
            "statuses[]: must be one of idle, running, rescheduling, terminated");
      }
      statuses.add(status);
    }
    var filter =
        new SessionFilter(
            q.first("agent_id"),
            q.integer("agent_version", 1),
            statuses,
            new ResourceFilter(q.flag("include_archived"), q.timeRange("created_at")));
    var page = api.store().sessions().list(Caller.workspace(req), filter, listing.request());
    Instant now = api.now();
    Http.ok(
        res,
        listing.render(
            page, s -> view(s, now), s -> new PageKey(Timestamps.toMicros(s.createdAt()), s.id())));
  }

  /** The session as the API shows it, with its outcome evaluations read from its log. */
  private ObjectNode view(Session s, Instant now) {
    return Views.session(s, now, api.spend(), OutcomeEvaluations.of(api.store().events(), s.id()));
  }

  private void retrieve(ServerRequest req, ServerResponse res) {
    Http.ok(res, view(find(api, req, Api.param(req, "id")), api.now()));
  }

  private void update(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    Session current = find(api, req, id);
    if (body.has("vault_ids")) {
      throw ApiError.invalid("vault_ids: cannot be changed after a session is created");
    }
    ObjectNode changed = Json.mapper().createObjectNode();
    JsonNode agentChange = body.get("agent");
    if (agentChange != null) {
      // Parsed against the record now for the 400s; applied below to the record as stored.
      Agent local = SessionAgents.updated(current.agent(), agentChange);
      checkIdle(current);
      if (!local.spec().equals(current.agent().spec())) {
        changed.set("agent", SessionAgents.changes(local, agentChange));
      }
    }
    String title = current.title();
    if (body.has("title")) {
      title = Fields.optionalString(body, "", "title", 0, 1024);
      changed.put("title", title);
    }
    Map<String, String> metadata = current.metadata();
    if (!Fields.isNullOrAbsent(body, "metadata")) {
      metadata = Fields.patchMetadata(current.metadata(), body.get("metadata"), "metadata", false);
      changed.set("metadata", Json.mapper().valueToTree(metadata));
    }
    SessionBudget budget = current.budget();
    if (body.has("budget")) {
      budget = BudgetParser.parse(body);
      if (current.budget() == null && budget != null) {
        throw ApiError.invalid(
            "budget: cannot be added after a session is created; set it on create");
      }
      if (!java.util.Objects.equals(budget, current.budget())) {
        changed.set("budget", Json.mapper().valueToTree(budget));
      }
    }
    if (changed.isEmpty()) {
      Http.ok(res, view(current, api.now()));
      return;
    }
    String newTitle = title;
    Map<String, String> newMetadata = metadata;
    SessionBudget newBudget = budget;
    Instant now = api.now();
    boolean agentChanged = changed.has("agent");
    Session updated =
        api.store()
            .sessions()
            .update(
                id,
                s -> {
                  Session next =
                      s.withDetails(newTitle, newMetadata, now).withBudget(newBudget, now);
                  return agentChanged ? withLocalAgent(next, agentChange) : next;
                });
    api.store()
        .events()
        .append(id, List.of(EventDraft.of("session.updated", changed.toString(), now)));
    Http.ok(res, view(updated, now));
  }

  /**
   * {@code s} with its session-local agent changed; refused unless the session is idle, checked on
   * the record as stored so that a run that started meanwhile never sees half a change.
   */
  private static Session withLocalAgent(Session s, JsonNode agentChange) {
    checkIdle(s);
    return s.withAgent(SessionAgents.updated(s.agent(), agentChange));
  }

  private static void checkIdle(Session s) {
    if (s.status() != SessionStatus.IDLE) {
      throw ApiError.status(
          409,
          "agent: session "
              + s.id()
              + " is "
              + s.status().wireName()
              + "; its agent can be changed only while it is idle");
    }
  }

  private void archive(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    Session current = find(api, req, id);
    if (current.archivedAt() != null) {
      Http.ok(res, view(current, api.now()));
      return;
    }
    Instant now = api.now();
    Session archived = api.store().sessions().update(id, s -> s.archived(now));
    Http.ok(res, view(archived, now));
  }

  private void delete(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    Session current = find(api, req, id);
    if (current.status() == SessionStatus.RUNNING
        || current.status() == SessionStatus.RESCHEDULING) {
      throw ApiError.invalid(
          "session " + id + " is " + current.status().wireName() + "; interrupt it before deleting",
          "session_running");
    }
    try {
      api.store().sessions().delete(id);
    } catch (StoreException.NotFound e) {
      throw ApiError.notFound("session " + id + " not found");
    }
    api.streams().sessionDeleted(id);
    api.hands().sandboxes().deleteSession(id);
    resources.deleteSession(id);
    Http.ok(res, Views.deleted(id, "session_deleted"));
  }

  /** The session, if it belongs to the caller's workspace; else 404. */
  static Session find(Api api, ServerRequest req, String id) {
    return api.store()
        .sessions()
        .find(Caller.workspace(req), id)
        .orElseThrow(() -> ApiError.notFound("session " + id + " not found"));
  }
}
