package dev.agentry.webhooks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Json;
import dev.agentry.core.Timestamps;
import dev.agentry.core.WebhookEvent;
import java.time.Instant;

/**
 * The thin delivery body: {@code {type: "event", id, created_at, data: {type, id, organization_id,
 * workspace_id, …}}}, ids only, as the Managed Agents SDK's {@code BetaWebhookEvent} reads it.
 */
final class WebhookPayloads {
  /** Agentry has no organizations; every workspace belongs to this one. */
  static final String ORGANIZATION_ID = "org_default";

  static final String TEST_TYPE = "webhook.test";

  private WebhookPayloads() {}

  static String render(String eventId, WebhookEvent event) {
    ObjectNode data = data(event.type(), event.resourceId(), event.workspaceId());
    if (event.relatedId() != null) {
      if (event.type().startsWith("session.thread_")) {
        data.put("session_thread_id", event.relatedId());
      } else if (event.type().startsWith("vault_credential.")) {
        data.put("vault_id", event.relatedId());
      } else if (event.type().startsWith("deployment_run.")) {
        data.put("deployment_id", event.relatedId());
      }
    }
    return envelope(eventId, event.createdAt(), data);
  }

  /** A test delivery's body: the endpoint's own id under the type {@value #TEST_TYPE}. */
  static String test(String eventId, String endpointId, String workspaceId, Instant at) {
    return envelope(eventId, at, data(TEST_TYPE, endpointId, workspaceId));
  }

  private static ObjectNode data(String type, String id, String workspaceId) {
    ObjectNode data = Json.mapper().createObjectNode();
    data.put("type", type);
    data.put("id", id);
    data.put("organization_id", ORGANIZATION_ID);
    data.put("workspace_id", workspaceId);
    return data;
  }

  private static String envelope(String eventId, Instant at, ObjectNode data) {
    ObjectNode root = Json.mapper().createObjectNode();
    root.put("type", "event");
    root.put("id", eventId);
    root.put("created_at", Timestamps.format(at));
    root.set("data", data);
    return Json.write(root);
  }
}
