package dev.agentry.server;

import dev.agentry.core.Deployment;
import dev.agentry.core.DeploymentRepository;
import dev.agentry.core.DeploymentRun;
import dev.agentry.core.PageKey;
import dev.agentry.core.SortOrder;
import dev.agentry.core.Timestamps;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /v1/deployment_runs}: the record of every trigger of a deployment, listed and retrieved.
 */
final class DeploymentRunRoutes implements Api.Routes {
  private final Api api;
  private final DeploymentViews views;

  DeploymentRunRoutes(Api api) {
    this.api = api;
    this.views = new DeploymentViews(api.store());
  }

  @Override
  public void register(HttpRules r) {
    r.get("/v1/deployment_runs", this::list).get("/v1/deployment_runs/{id}", this::retrieve);
  }

  private void list(ServerRequest req, ServerResponse res) {
    Query q = Api.query(req);
    String deploymentId = q.first("deployment_id");
    Listing listing =
        Listing.of(
            q,
            deploymentId == null ? "deployment_runs" : "deployment_runs:" + deploymentId,
            SortOrder.DESC,
            20,
            100,
            false);
    var filter =
        new DeploymentRepository.RunFilter(
            deploymentId,
            tristate(q, "has_error"),
            triggerType(q.first("trigger_type")),
            q.timeRange("created_at"));
    var page = api.store().deployments().listRuns(Caller.workspace(req), filter, listing.request());
    Http.ok(
        res,
        listing.render(
            page,
            r -> views.run(r, null),
            r -> new PageKey(Timestamps.toMicros(r.createdAt()), r.id())));
  }

  private void retrieve(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    String workspace = Caller.workspace(req);
    DeploymentRun run =
        api.store()
            .deployments()
            .findRun(workspace, id)
            .orElseThrow(() -> ApiError.notFound("deployment run " + id + " not found"));
    Deployment d = api.store().deployments().find(workspace, run.deploymentId()).orElse(null);
    Http.ok(res, views.run(run, d));
  }

  private static Boolean tristate(Query q, String name) {
    return q.first(name) == null ? null : q.flag(name);
  }

  /** {@code manual} → true, {@code schedule} → false (the filter asks "manual?"). */
  private static Boolean triggerType(String v) {
    if (v == null) {
      return null;
    }
    return switch (v) {
      case "manual" -> true;
      case "schedule" -> false;
      default -> throw ApiError.invalid("trigger_type: must be one of schedule, manual");
    };
  }
}
