package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Deployment;
import dev.agentry.core.Json;
import dev.agentry.schedule.CronSchedule;
import java.util.List;
import java.util.Set;

/**
 * Reads the deployment fields of a create or update body. The session fields go into the
 * deployment's template as given, after the same checks a session create makes.
 */
final class DeploymentParser {
  /** The fields a run hands to the session create. */
  static final List<String> TEMPLATE_FIELDS =
      List.of("agent", "environment_id", "initial_events", "resources", "vault_ids", "budget");

  static final Set<String> FIELDS =
      Set.of(
          "name",
          "description",
          "metadata",
          "schedule",
          "agent",
          "environment_id",
          "initial_events",
          "resources",
          "vault_ids",
          "budget");

  private static final Set<String> SCHEDULE_FIELDS = Set.of("type", "expression", "timezone");

  private DeploymentParser() {}

  /** {@code current} with the template fields {@code body} has replaced (all of them on create). */
  static ObjectNode template(ObjectNode current, JsonNode body) {
    ObjectNode t = current == null ? Json.mapper().createObjectNode() : current.deepCopy();
    for (String f : TEMPLATE_FIELDS) {
      if (body.has(f)) {
        if (body.get(f).isNull()) {
          t.remove(f);
        } else {
          t.set(f, body.get(f).deepCopy());
        }
      }
    }
    return t;
  }

  /**
   * What a deployment needs beyond a session create: at least one initial event, a {@code
   * user.message} among them, and no repository token (it would be stored in the template in the
   * clear).
   */
  static void checkTemplate(ObjectNode template) {
    JsonNode events = template.path("initial_events");
    if (!events.isArray() || events.isEmpty()) {
      throw ApiError.invalid("initial_events: is required and must hold at least one event");
    }
    boolean message = false;
    for (JsonNode e : events) {
      message |= "user.message".equals(e.path("type").asText());
    }
    if (!message) {
      throw ApiError.invalid("initial_events: must contain a user.message to start the run");
    }
    JsonNode resources = template.path("resources");
    for (int i = 0; i < resources.size(); i++) {
      if (resources.get(i).has("authorization_token")) {
        throw ApiError.invalid(
            "resources["
                + i
                + "].authorization_token: repository tokens are not supported on deployments yet",
            "unsupported_feature");
      }
    }
  }

  /** The {@code schedule} object, or null when it is null or absent. */
  static Deployment.Schedule schedule(JsonNode body) {
    if (Fields.isNullOrAbsent(body, "schedule")) {
      return null;
    }
    JsonNode s = Fields.object(body.get("schedule"), "schedule");
    for (var it = s.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!SCHEDULE_FIELDS.contains(f)) {
        throw ApiError.invalid(
            "schedule." + f + ": unknown field; expected type, expression, timezone",
            "unsupported_feature");
      }
    }
    Fields.type(s, "schedule", List.of("cron"));
    String expression = Fields.requiredString(s, "schedule", "expression", 1, 256);
    String timezone = Fields.requiredString(s, "schedule", "timezone", 1, 64);
    try {
      CronSchedule.parse(expression, timezone);
    } catch (IllegalArgumentException e) {
      throw ApiError.invalid("schedule." + e.getMessage());
    }
    return new Deployment.Schedule(expression.trim(), timezone);
  }
}
