package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Agent;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.ModelClient;
import dev.agentry.core.PageKey;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.SortOrder;
import dev.agentry.core.StoreException;
import dev.agentry.core.Timestamps;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;

/** {@code /v1/agents}: create, list, retrieve (optionally a version), update, archive, versions. */
final class AgentRoutes implements Api.Routes {
  private final Api api;
  private final ModelClient models;

  /** {@code models} says which model ids can be saved ({@link ModelClient#refusal}). */
  AgentRoutes(Api api, ModelClient models) {
    this.api = api;
    this.models = models;
  }

  @Override
  public void register(HttpRules r) {
    r.post("/v1/agents", this::create)
        .get("/v1/agents", this::list)
        .get("/v1/agents/{id}", this::retrieve)
        .post("/v1/agents/{id}", this::update)
        .post("/v1/agents/{id}/archive", this::archive)
        .get("/v1/agents/{id}/versions", this::versions);
  }

  private void create(ServerRequest req, ServerResponse res) {
    AgentSpec spec =
        rosters(req)
            .pinned(AgentParser.create(Http.objectBody(req, api.maxBodyBytes()), models), null);
    SkillRefs.check(spec, api.store().skills(), Caller.workspace(req));
    Instant now = api.now();
    Agent agent =
        api.store()
            .agents()
            .create(
                Caller.workspace(req), new Agent(Ids.next(IdKind.AGENT), 1, spec, now, now, null));
    Http.ok(res, Views.agent(agent));
  }

  private void list(ServerRequest req, ServerResponse res) {
    Query q = Api.query(req);
    Listing listing = Listing.of(q, "agents", SortOrder.DESC, 20, 100, false);
    var filter = new ResourceFilter(q.flag("include_archived"), q.timeRange("created_at"));
    var page = api.store().agents().list(Caller.workspace(req), filter, listing.request());
    Http.ok(res, listing.render(page, Views::agent, AgentRoutes::key));
  }

  private void retrieve(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    Integer version = Api.query(req).integer("version", 1);
    Agent agent =
        (version == null
                ? api.store().agents().find(Caller.workspace(req), id)
                : api.store().agents().findVersion(Caller.workspace(req), id, version))
            .orElseThrow(
                () ->
                    ApiError.notFound(
                        version == null
                            ? "agent " + id + " not found"
                            : "agent " + id + " has no version " + version));
    Http.ok(res, Views.agent(agent));
  }

  private void update(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    Integer expected = Fields.optionalInt(body, "", "version", 1, Integer.MAX_VALUE);
    Agent current = find(req, id);
    if (current.archivedAt() != null) {
      throw ApiError.invalid(
          "agent " + id + " is archived and cannot be updated", "agent_archived");
    }
    // The roster is checked before the write too, so its store reads happen outside the write
    // transaction (the transaction then reuses them unless the agent changed in between).
    Rosters rosters = rosters(req);
    AgentSpec checked = rosters.pinned(AgentParser.update(body, current.spec(), models), id);
    if (body.has("skills")) {
      // Only a body that sets the skills is checked: a skill deleted since must not block edits.
      SkillRefs.check(checked, api.store().skills(), Caller.workspace(req));
    }
    try {
      Agent updated =
          api.store()
              .agents()
              .update(
                  id,
                  expected,
                  spec -> rosters.pinned(AgentParser.update(body, spec, models), id),
                  api.now());
      Http.ok(res, Views.agent(updated));
    } catch (StoreException.Conflict e) {
      throw ApiError.conflict(
          "version: agent "
              + id
              + " is no longer at version "
              + expected
              + "; re-read it and retry");
    } catch (StoreException.NotFound e) {
      throw ApiError.notFound("agent " + id + " not found");
    }
  }

  private void archive(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    find(req, id);
    Http.ok(res, Views.agent(api.store().agents().archive(id, api.now())));
  }

  private void versions(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    find(req, id);
    Listing listing =
        Listing.of(Api.query(req), "agent_versions:" + id, SortOrder.DESC, 20, 100, false);
    var page = api.store().agents().versions(id, listing.request());
    Http.ok(res, listing.render(page, Views::agent, a -> new PageKey(a.version(), "")));
  }

  private Rosters rosters(ServerRequest req) {
    return new Rosters(api.store().agents(), Caller.workspace(req));
  }

  private Agent find(ServerRequest req, String id) {
    return api.store()
        .agents()
        .find(Caller.workspace(req), id)
        .orElseThrow(() -> ApiError.notFound("agent " + id + " not found"));
  }

  static PageKey key(Agent a) {
    return new PageKey(Timestamps.toMicros(a.createdAt()), a.id());
  }
}
