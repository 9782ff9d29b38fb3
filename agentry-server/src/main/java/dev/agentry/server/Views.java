package dev.agentry.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Agent;
import dev.agentry.core.Credential;
import dev.agentry.core.Environment;
import dev.agentry.core.Json;
import dev.agentry.core.Session;
import dev.agentry.core.SessionUsage;
import dev.agentry.core.Timestamps;
import dev.agentry.core.Vault;
import dev.agentry.harness.Spend;
import dev.agentry.harness.SpendLimits;
import java.time.Duration;
import java.time.Instant;

/** The API's JSON form of each resource, in the field names the official SDKs read. */
final class Views {
  private Views() {}

  static ObjectNode agent(Agent a) {
    return agent(a, false);
  }

  private static ObjectNode agent(Agent a, boolean sessionSnapshot) {
    ObjectNode n = Json.mapper().createObjectNode().put("type", "agent").put("id", a.id());
    n.put("version", a.version());
    n.setAll((ObjectNode) Json.mapper().valueToTree(a.spec()));
    RosterView.resolveSelf(n, a, sessionSnapshot);
    return timestamps(n, a.createdAt(), a.updatedAt(), a.archivedAt());
  }

  static ObjectNode environment(Environment e) {
    ObjectNode n = Json.mapper().createObjectNode().put("type", "environment").put("id", e.id());
    n.put("name", e.name()).put("description", e.description());
    n.set("config", Json.mapper().valueToTree(e.config()));
    n.set("metadata", Json.mapper().valueToTree(e.metadata()));
    if (e.scope() != null) {
      n.put("scope", e.scope());
    }
    return timestamps(n, e.createdAt(), e.updatedAt(), e.archivedAt());
  }

  static ObjectNode session(Session s, Instant now, SpendLimits spend) {
    return session(s, now, spend, Json.mapper().createArrayNode());
  }

  /** With the session's ended outcome evaluations ({@link OutcomeEvaluations}). */
  static ObjectNode session(
      Session s, Instant now, SpendLimits spend, com.fasterxml.jackson.databind.JsonNode evals) {
    ObjectNode n = Json.mapper().createObjectNode().put("type", "session").put("id", s.id());
    n.put("title", s.title()).put("status", s.status().wireName());
    n.put("environment_id", s.environmentId());
    n.set("agent", agent(s.agent(), true));
    n.set("metadata", Json.mapper().valueToTree(s.metadata()));
    n.set("resources", Json.mapper().valueToTree(s.resources()));
    n.set("vault_ids", Json.mapper().valueToTree(s.vaultIds()));
    n.set("outcome_evaluations", evals);
    SessionUsage u = Spend.usage(s);
    double duration = Math.max(0, Duration.between(s.createdAt(), now).toMillis() / 1000.0);
    n.putObject("stats").put("active_seconds", u.activeSeconds()).put("duration_seconds", duration);
    ObjectNode usage = n.putObject("usage");
    usage.put("input_tokens", u.inputTokens()).put("output_tokens", u.outputTokens());
    usage.put("cache_read_input_tokens", u.cacheReadInputTokens());
    usage
        .putObject("cache_creation")
        .put("ephemeral_5m_input_tokens", u.cacheCreationInputTokens())
        .put("ephemeral_1h_input_tokens", 0);
    usage.put("active_seconds", u.activeSeconds());
    usage.set("list_cost", Spend.listCostNode(s, spend));
    usage.set("server_tool_use", Spend.serverToolUse(u.webSearchRequests(), u.webFetchRequests()));
    n.set("budget", s.budget() == null ? null : Json.mapper().valueToTree(s.budget()));
    return timestamps(n, s.createdAt(), s.updatedAt(), s.archivedAt());
  }

  static ObjectNode vault(Vault v) {
    ObjectNode n = Json.mapper().createObjectNode().put("type", "vault").put("id", v.id());
    n.put("display_name", v.displayName());
    n.set("metadata", Json.mapper().valueToTree(v.metadata()));
    return timestamps(n, v.createdAt(), v.updatedAt(), v.archivedAt());
  }

  /** Only the public part of {@code auth}: the sealed secrets never leave the store unopened. */
  static ObjectNode credential(Credential c) {
    ObjectNode n =
        Json.mapper().createObjectNode().put("type", "vault_credential").put("id", c.id());
    n.put("vault_id", c.vaultId()).put("display_name", c.displayName());
    n.set("auth", c.publicAuth().deepCopy());
    n.set("metadata", Json.mapper().valueToTree(c.metadata()));
    return timestamps(n, c.createdAt(), c.updatedAt(), c.archivedAt());
  }

  static ObjectNode deleted(String id, String type) {
    return Json.mapper().createObjectNode().put("id", id).put("type", type);
  }

  private static ObjectNode timestamps(
      ObjectNode n, Instant created, Instant updated, Instant archived) {
    n.put("created_at", Timestamps.format(created));
    n.put("updated_at", Timestamps.format(updated));
    n.put("archived_at", archived == null ? null : Timestamps.format(archived));
    return n;
  }
}
