package dev.agentry.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Json;
import dev.agentry.core.Page;
import dev.agentry.core.PageKey;
import dev.agentry.core.PageRequest;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.Session;
import dev.agentry.core.SessionFilter;
import dev.agentry.core.SessionUsage;
import dev.agentry.core.SortOrder;
import dev.agentry.core.TimeRange;
import dev.agentry.core.Timestamps;
import dev.agentry.harness.PriceTable;
import dev.agentry.harness.Spend;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.math.BigInteger;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /v1/agentry/usage}: an Agentry extension, not part of the Managed Agents API. Sums the
 * usage and list cost of the caller's workspace's sessions (archived included) created in {@code
 * [from, to)}, overall or per agent or per session, by scanning the workspace's session listing.
 * Each session's list cost is the one its own view shows (whole minor units), so rows add up to the
 * totals exactly.
 */
final class UsageRoutes implements Api.Routes {
  static final String PREFIX = "/v1/agentry/usage";
  private static final int PAGE = 200;
  private static final Set<String> GROUPS = Set.of("none", "agent", "session");
  private final Api api;

  UsageRoutes(Api api) {
    this.api = api;
  }

  @Override
  public void register(HttpRules r) {
    r.get(PREFIX, this::report).get(PREFIX + "/sessions/{id}", this::session);
  }

  /** Running sums of one group of sessions. */
  private static final class Sum {
    long input;
    long output;
    long cacheRead;
    long cacheCreation;
    double activeSeconds;
    long webSearches;
    long webFetches;
    long sessions;
    BigInteger costMinor = BigInteger.ZERO;

    void add(SessionUsage u, String cost) {
      input += u.inputTokens();
      output += u.outputTokens();
      cacheRead += u.cacheReadInputTokens();
      cacheCreation += u.cacheCreationInputTokens();
      activeSeconds += u.activeSeconds();
      webSearches += u.webSearchRequests();
      webFetches += u.webFetchRequests();
      sessions++;
      costMinor = costMinor.add(new BigInteger(cost));
    }

    void into(ObjectNode n) {
      n.put("input_tokens", input).put("output_tokens", output);
      n.put("cache_read_input_tokens", cacheRead);
      n.put("cache_creation_input_tokens", cacheCreation);
      n.put("active_seconds", activeSeconds).put("session_count", sessions);
      n.set("server_tool_use", Spend.serverToolUse(webSearches, webFetches));
      n.putObject("list_cost")
          .put("amount", costMinor.toString())
          .put("currency", PriceTable.CURRENCY);
    }
  }

  private void report(ServerRequest req, ServerResponse res) {
    Query q = Api.query(req);
    Instant from = instant(q, "from");
    Instant to = instant(q, "to");
    if (from != null && to != null && !from.isBefore(to)) {
      throw ApiError.invalid("to: must be later than from");
    }
    String groupBy = q.first("group_by");
    if (groupBy == null || groupBy.isEmpty()) {
      groupBy = "none";
    }
    if (!GROUPS.contains(groupBy)) {
      throw ApiError.invalid("group_by: must be one of agent, session, none");
    }
    String workspace = Caller.workspace(req);
    SessionFilter filter =
        new SessionFilter(
            null, null, Set.of(), new ResourceFilter(true, new TimeRange(null, from, to, null)));
    Sum totals = new Sum();
    Map<String, Sum> sums = new LinkedHashMap<>();
    Map<String, ObjectNode> rows = new LinkedHashMap<>();
    PageKey after = null;
    while (true) {
      Page<Session> page =
          api.store()
              .sessions()
              .list(workspace, filter, new PageRequest(PAGE, SortOrder.ASC, after, false));
      for (Session s : page.items()) {
        SessionUsage u = Spend.usage(s);
        String cost = Spend.listCost(s, api.spend());
        totals.add(u, cost);
        String agentId = s.agent() == null ? null : s.agent().id();
        String agentName =
            s.agent() == null || s.agent().spec() == null ? null : s.agent().spec().name();
        switch (groupBy) {
          case "agent" -> {
            String key = String.valueOf(agentId);
            sums.computeIfAbsent(key, k -> new Sum()).add(u, cost);
            // The name of the agent's newest session's snapshot (the listing is oldest first).
            rows.put(
                key,
                Json.mapper()
                    .createObjectNode()
                    .put("agent_id", agentId)
                    .put("agent_name", agentName));
          }
          case "session" -> {
            sums.computeIfAbsent(s.id(), k -> new Sum()).add(u, cost);
            rows.put(
                s.id(),
                Json.mapper()
                    .createObjectNode()
                    .put("session_id", s.id())
                    .put("agent_id", agentId)
                    .put("agent_name", agentName)
                    .put("title", s.title())
                    .put("status", s.status().wireName())
                    .put("created_at", Timestamps.format(s.createdAt()))
                    .put(
                        "archived_at",
                        s.archivedAt() == null ? null : Timestamps.format(s.archivedAt())));
          }
          default -> {}
        }
      }
      List<Session> items = page.items();
      if (!page.moreAfter() || items.isEmpty()) {
        break;
      }
      Session last = items.getLast();
      after = new PageKey(Timestamps.toMicros(last.createdAt()), last.id());
    }
    ObjectNode out = Json.mapper().createObjectNode().put("type", "usage_report");
    out.put("from", from == null ? null : Timestamps.format(from));
    out.put("to", to == null ? null : Timestamps.format(to));
    out.put("group_by", groupBy);
    totals.into(out.putObject("totals"));
    ArrayNode list = out.putArray("rows");
    rows.forEach(
        (key, row) -> {
          sums.get(key).into(row);
          list.add(row);
        });
    Http.ok(res, out);
  }

  private void session(ServerRequest req, ServerResponse res) {
    Session s = SessionRoutes.find(api, req, Api.param(req, "id"));
    ObjectNode out = Json.mapper().createObjectNode().put("type", "session_usage");
    out.put("session_id", s.id());
    out.setAll(Spend.usagePayload(s, api.spend()));
    Http.ok(res, out);
  }

  private static Instant instant(Query q, String name) {
    String v = q.first(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(v).toInstant();
      } catch (DateTimeParseException e2) {
        throw ApiError.invalid(name + ": must be an RFC 3339 timestamp");
      }
    }
  }
}
