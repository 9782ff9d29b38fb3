package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Agent;
import dev.agentry.core.Deployment;
import dev.agentry.core.DeploymentRun;
import dev.agentry.core.Json;
import dev.agentry.core.Store;
import dev.agentry.core.Timestamps;
import dev.agentry.schedule.CronSchedule;
import java.time.Instant;

/**
 * The JSON of deployments and their runs, as the SDKs' {@code BetaManagedAgentsDeployment*} read
 * it.
 */
final class DeploymentViews {
  /** How many upcoming occurrences {@code schedule.upcoming_runs_at} lists. */
  static final int UPCOMING = 5;

  private final Store store;

  DeploymentViews(Store store) {
    this.store = store;
  }

  ObjectNode deployment(Deployment d) {
    ObjectNode n = Json.mapper().createObjectNode().put("type", "deployment").put("id", d.id());
    n.put("name", d.name()).put("description", d.description());
    n.set("agent", agent(d.workspaceId(), d.agentId(), pinnedVersion(d)));
    n.put("environment_id", d.template().path("environment_id").asText());
    n.set("initial_events", d.template().path("initial_events").deepCopy());
    n.set("resources", arrayOrEmpty(d.template().get("resources")));
    n.set("vault_ids", arrayOrEmpty(d.template().get("vault_ids")));
    JsonNode budget = d.template().get("budget");
    n.set("budget", budget == null ? null : budget.deepCopy());
    n.set("metadata", Json.mapper().valueToTree(d.metadata()));
    n.set("schedule", schedule(d));
    n.put("status", d.status().wire());
    n.set("paused_reason", pausedReason(d.pausedReason()));
    n.put("created_at", Timestamps.format(d.createdAt()));
    n.put("updated_at", Timestamps.format(d.updatedAt()));
    n.put("archived_at", d.archivedAt() == null ? null : Timestamps.format(d.archivedAt()));
    return n;
  }

  ObjectNode run(DeploymentRun r, Deployment d) {
    ObjectNode n = Json.mapper().createObjectNode().put("type", "deployment_run").put("id", r.id());
    n.put("deployment_id", r.deploymentId());
    ObjectNode trigger = n.putObject("trigger_context");
    if (r.manual()) {
      trigger.put("type", "manual");
    } else {
      trigger.put("type", "schedule").put("scheduled_at", Timestamps.format(r.scheduledAt()));
    }
    n.put("session_id", r.sessionId());
    n.set("error", error(r.error()));
    Integer version =
        r.agentVersion() != null ? r.agentVersion() : d == null ? null : pinnedVersion(d);
    n.set("agent", agent(r.workspaceId(), r.agentId(), version));
    n.put("created_at", Timestamps.format(r.createdAt()));
    return n;
  }

  /** {@code {type:"cron", expression, timezone, last_run_at, upcoming_runs_at}}, or null. */
  private static JsonNode schedule(Deployment d) {
    if (d.schedule() == null) {
      return null;
    }
    ObjectNode s = Json.mapper().createObjectNode().put("type", "cron");
    s.put("expression", d.schedule().expression()).put("timezone", d.schedule().timezone());
    s.put("last_run_at", d.lastRunAt() == null ? null : Timestamps.format(d.lastRunAt()));
    ArrayNode upcoming = s.putArray("upcoming_runs_at");
    if (d.nextRunAt() != null) {
      CronSchedule cron = CronSchedule.parse(d.schedule().expression(), d.schedule().timezone());
      for (Instant at : cron.upcoming(d.nextRunAt(), UPCOMING)) {
        upcoming.add(Timestamps.format(at));
      }
    }
    return s;
  }

  private static JsonNode pausedReason(Deployment.PausedReason reason) {
    if (reason == null) {
      return null;
    }
    ObjectNode n = Json.mapper().createObjectNode().put("type", reason.type());
    if (reason.error() != null) {
      n.set("error", error(reason.error()));
    }
    return n;
  }

  private static JsonNode error(DeploymentRun.RunError e) {
    return e == null
        ? null
        : Json.mapper().createObjectNode().put("type", e.type()).put("message", e.message());
  }

  /** {@code {type:"agent", id, version}}; an unpinned agent shows its latest version. */
  private ObjectNode agent(String workspace, String id, Integer version) {
    ObjectNode n = Json.mapper().createObjectNode().put("type", "agent").put("id", id);
    Integer v =
        version != null
            ? version
            : store.agents().find(workspace, id).map(Agent::version).orElse(null);
    n.put("version", v);
    return n;
  }

  private static Integer pinnedVersion(Deployment d) {
    JsonNode v = d.template().path("agent").path("version");
    return v.isIntegralNumber() ? v.asInt() : null;
  }

  private static JsonNode arrayOrEmpty(JsonNode node) {
    return node == null ? Json.mapper().createArrayNode() : node.deepCopy();
  }
}
