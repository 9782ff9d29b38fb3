package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Deployment;
import dev.agentry.core.DeploymentRepository;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.PageKey;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.SortOrder;
import dev.agentry.core.Timestamps;
import dev.agentry.core.WebhookEvent;
import dev.agentry.schedule.DeploymentRuns;
import dev.agentry.schedule.DeploymentStates;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.util.Map;

/**
 * {@code /v1/deployments}: create, list, retrieve, update, archive, pause, unpause and a manual
 * run. The scheduler ({@code agentry-schedule}) fires the cron occurrences; these routes move a
 * deployment's next occurrence when its schedule or status changes.
 */
final class DeploymentRoutes implements Api.Routes {
  private final Api api;
  private final SessionRoutes sessions;
  private final DeploymentRuns runs;
  private final DeploymentViews views;

  DeploymentRoutes(Api api, SessionRoutes sessions, DeploymentRuns runs) {
    this.api = api;
    this.sessions = sessions;
    this.runs = runs;
    this.views = new DeploymentViews(api.store());
  }

  @Override
  public void register(HttpRules r) {
    r.post("/v1/deployments", this::create)
        .get("/v1/deployments", this::list)
        .get("/v1/deployments/{id}", this::retrieve)
        .post("/v1/deployments/{id}", this::update)
        .post("/v1/deployments/{id}/archive", this::archive)
        .post("/v1/deployments/{id}/pause", this::pause)
        .post("/v1/deployments/{id}/unpause", this::unpause)
        .post("/v1/deployments/{id}/run", this::run);
  }

  private DeploymentRepository repo() {
    return api.store().deployments();
  }

  private void create(ServerRequest req, ServerResponse res) {
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    MemoryStoreRoutes.knownFields(body, DeploymentParser.FIELDS);
    String workspace = Caller.workspace(req);
    String name = Fields.requiredString(body, "", "name", 1, 256);
    String description = Fields.optionalString(body, "", "description", 0, 2048);
    Map<String, String> metadata = Fields.metadata(body, "");
    Deployment.Schedule schedule = DeploymentParser.schedule(body);
    ObjectNode template = DeploymentParser.template(null, body);
    checkTemplate(workspace, template);
    Instant now = api.now();
    Deployment d =
        new Deployment(
            Ids.next(IdKind.DEPLOYMENT),
            workspace,
            name,
            description,
            metadata,
            template,
            schedule,
            Deployment.Status.ACTIVE,
            null,
            DeploymentStates.firstAfter(schedule, now),
            null,
            now,
            now,
            null);
    Deployment created = repo().create(d);
    announce("deployment.created", created);
    Http.ok(res, views.deployment(created));
  }

  private void list(ServerRequest req, ServerResponse res) {
    Query q = Api.query(req);
    Listing listing = Listing.of(q, "deployments", SortOrder.DESC, 20, 100, false);
    String status = q.first("status");
    Deployment.Status wanted = null;
    if (status != null) {
      wanted =
          switch (status) {
            case "active" -> Deployment.Status.ACTIVE;
            case "paused" -> Deployment.Status.PAUSED;
            default -> throw ApiError.invalid("status: must be one of active, paused");
          };
    }
    var filter =
        new DeploymentRepository.Filter(
            q.first("agent_id"),
            wanted,
            new ResourceFilter(q.flag("include_archived"), q.timeRange("created_at")));
    var page = repo().list(Caller.workspace(req), filter, listing.request());
    Http.ok(
        res,
        listing.render(
            page, views::deployment, d -> new PageKey(Timestamps.toMicros(d.createdAt()), d.id())));
  }

  private void retrieve(ServerRequest req, ServerResponse res) {
    Http.ok(res, views.deployment(find(req)));
  }

  private void update(ServerRequest req, ServerResponse res) {
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    MemoryStoreRoutes.knownFields(body, DeploymentParser.FIELDS);
    Deployment current = unarchived(find(req));
    String name =
        Fields.isNullOrAbsent(body, "name")
            ? current.name()
            : Fields.requiredString(body, "", "name", 1, 256);
    String description =
        body.has("description")
            ? Fields.optionalString(body, "", "description", 0, 2048)
            : current.description();
    Map<String, String> metadata =
        Fields.isNullOrAbsent(body, "metadata")
            ? current.metadata()
            : Fields.patchMetadata(current.metadata(), body.get("metadata"), "metadata", false);
    boolean reschedule = body.has("schedule");
    Deployment.Schedule schedule =
        reschedule ? DeploymentParser.schedule(body) : current.schedule();
    ObjectNode template = DeploymentParser.template(current.template(), body);
    checkTemplate(current.workspaceId(), template);
    Instant now = api.now();
    Deployment updated =
        repo()
            .update(
                current.id(),
                d -> {
                  // A new schedule starts after now; a paused deployment has no next occurrence.
                  Instant next =
                      !reschedule
                          ? d.nextRunAt()
                          : d.status() == Deployment.Status.ACTIVE
                              ? DeploymentStates.firstAfter(schedule, now)
                              : null;
                  return new Deployment(
                      d.id(),
                      d.workspaceId(),
                      name,
                      description,
                      metadata,
                      template,
                      schedule,
                      d.status(),
                      d.pausedReason(),
                      next,
                      d.lastRunAt(),
                      d.createdAt(),
                      now,
                      d.archivedAt());
                });
    announce("deployment.updated", updated);
    Http.ok(res, views.deployment(updated));
  }

  private void archive(ServerRequest req, ServerResponse res) {
    Deployment current = find(req);
    if (current.archivedAt() != null) {
      Http.ok(res, views.deployment(current));
      return;
    }
    Instant now = api.now();
    Deployment archived = repo().update(current.id(), d -> d.archived(now));
    announce("deployment.archived", archived);
    Http.ok(res, views.deployment(archived));
  }

  private void pause(ServerRequest req, ServerResponse res) {
    Deployment current = unarchived(find(req));
    Instant now = api.now();
    Deployment paused =
        repo()
            .update(
                current.id(), d -> DeploymentStates.paused(d, Deployment.PausedReason.MANUAL, now));
    if (current.status() != paused.status()) {
      announce("deployment.paused", paused);
    }
    Http.ok(res, views.deployment(paused));
  }

  private void unpause(ServerRequest req, ServerResponse res) {
    Deployment current = unarchived(find(req));
    Instant now = api.now();
    Deployment active = repo().update(current.id(), d -> DeploymentStates.unpaused(d, now));
    if (current.status() != active.status()) {
      announce("deployment.unpaused", active);
    }
    Http.ok(res, views.deployment(active));
  }

  private void run(ServerRequest req, ServerResponse res) {
    Deployment current = unarchived(find(req));
    var run = runs.manual(current);
    Http.ok(res, views.run(run, current));
  }

  /** Tells webhook endpoints of a change to {@code d}, now that it has committed. */
  private void announce(String type, Deployment d) {
    api.store()
        .webhooks()
        .publish(new WebhookEvent(type, d.id(), d.workspaceId(), null, d.updatedAt()));
  }

  /** Checks the template as a session create would, and as a deployment needs. */
  private void checkTemplate(String workspace, ObjectNode template) {
    DeploymentParser.checkTemplate(template);
    sessions.check(workspace, template);
  }

  private Deployment find(ServerRequest req) {
    String id = Api.param(req, "id");
    return repo()
        .find(Caller.workspace(req), id)
        .orElseThrow(() -> ApiError.notFound("deployment " + id + " not found"));
  }

  private static Deployment unarchived(Deployment d) {
    if (d.archivedAt() != null) {
      throw ApiError.invalid("deployment " + d.id() + " is archived", "deployment_archived");
    }
    return d;
  }
}
