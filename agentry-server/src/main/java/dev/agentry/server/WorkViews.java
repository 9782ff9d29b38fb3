package dev.agentry.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Json;
import dev.agentry.core.Timestamps;
import dev.agentry.core.WorkItem;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/** The wire shapes of the work queue (cma-api.md §13, the SDK's {@code BetaSelfHostedWork}). */
final class WorkViews {
  private WorkViews() {}

  /** An item; {@code secret} is null on every path but a poll's. */
  static ObjectNode item(WorkItem w, String secret) {
    ObjectNode n = Json.mapper().createObjectNode().put("id", w.id()).put("type", "work");
    n.put("environment_id", w.environmentId());
    n.putObject("data").put("type", "session").put("id", w.sessionId());
    n.put("state", w.state());
    n.put("secret", secret);
    ObjectNode metadata = n.putObject("metadata");
    w.metadata().forEach(metadata::put);
    n.put("created_at", Timestamps.format(w.createdAt()));
    n.put("acknowledged_at", time(w.acknowledgedAt()));
    n.put("started_at", time(w.startedAt()));
    n.put("latest_heartbeat_at", time(w.latestHeartbeatAt()));
    n.put("stop_requested_at", time(w.stopRequestedAt()));
    n.put("stopped_at", time(w.stoppedAt()));
    return n;
  }

  /** The lease as a heartbeat's answer, or a 412's {@code current_state}. */
  static ObjectNode lease(WorkItem w, boolean extended) {
    ObjectNode n = Json.mapper().createObjectNode();
    n.put("last_heartbeat", time(w.latestHeartbeatAt()));
    n.put("lease_extended", extended);
    n.put("state", w.state());
    n.put("ttl_seconds", w.ttlSeconds());
    return n;
  }

  /** The item's {@code secret}: base64url JSON of its token and where to send it. */
  static String secret(String token, String apiBaseUrl) {
    ObjectNode n = Json.mapper().createObjectNode().put("sessions_token", token);
    if (apiBaseUrl != null) {
      n.put("api_base_url", apiBaseUrl);
    }
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(n.toString().getBytes(StandardCharsets.UTF_8));
  }

  static String time(Instant at) {
    return at == null ? null : Timestamps.format(at);
  }
}
