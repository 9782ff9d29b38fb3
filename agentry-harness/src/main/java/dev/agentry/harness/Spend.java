package dev.agentry.harness;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Event;
import dev.agentry.core.EventCodec;
import dev.agentry.core.EventDraft;
import dev.agentry.core.Json;
import dev.agentry.core.Session;
import dev.agentry.core.SessionBudget;
import dev.agentry.core.SessionHead;
import dev.agentry.core.SessionUsage;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;

/**
 * A session's spending as the API shows it (cumulative usage with {@code list_cost}) and whether it
 * may spend more: its {@code budget} and Agentry's caps. Shared by the harness (checked before each
 * model request) and the server (session views, refusing a {@code user.message}).
 */
public final class Spend {
  /** The stop reason of a turn stopped by a budget or an Agentry cap. */
  public static final String BUDGET_REACHED = "budget_reached";

  private Spend() {}

  public static SessionUsage usage(Session s) {
    return s.usage() == null ? SessionUsage.ZERO : s.usage();
  }

  /** The session's model: all of its requests (compaction included) go to it. */
  static String model(Session s) {
    return s.agent() == null || s.agent().spec() == null || s.agent().spec().model() == null
        ? null
        : s.agent().spec().model().id();
  }

  /** The list cost in minor units (cents), as the API's decimal string. */
  public static String listCost(Session s, SpendLimits limits) {
    return limits.prices().listCostMinorUnits(model(s), usage(s));
  }

  /** {@code {amount, currency}} of the list cost. */
  public static ObjectNode listCostNode(Session s, SpendLimits limits) {
    return Json.mapper()
        .createObjectNode()
        .put("amount", listCost(s, limits))
        .put("currency", PriceTable.CURRENCY);
  }

  /** {@code {web_search_requests, web_fetch_requests}}: the server tool calls the harness ran. */
  public static ObjectNode serverToolUse(long webSearchRequests, long webFetchRequests) {
    return Json.mapper()
        .createObjectNode()
        .put("web_search_requests", webSearchRequests)
        .put("web_fetch_requests", webFetchRequests);
  }

  /**
   * {@code {ephemeral_5m_input_tokens, ephemeral_1h_input_tokens}}, the SDK's {@code
   * BetaManagedAgentsCacheCreationUsage}: the model clients mark cache breakpoints {@code
   * ephemeral} with the default 5-minute lifetime, so every cache write is a 5-minute one.
   */
  public static ObjectNode cacheCreation(SessionUsage u) {
    return Json.mapper()
        .createObjectNode()
        .put("ephemeral_5m_input_tokens", u.cacheCreationInputTokens())
        .put("ephemeral_1h_input_tokens", 0);
  }

  /** The payload of a {@code session.usage} event: the cumulative snapshot, and the budget. */
  public static ObjectNode usagePayload(Session s, SpendLimits limits) {
    SessionUsage u = usage(s);
    ObjectNode p = Json.mapper().createObjectNode();
    ObjectNode usage = p.putObject("usage");
    usage.put("input_tokens", u.inputTokens()).put("output_tokens", u.outputTokens());
    usage.put("cache_read_input_tokens", u.cacheReadInputTokens());
    usage.set("cache_creation", cacheCreation(u));
    usage.put("active_seconds", u.activeSeconds());
    usage.set("list_cost", listCostNode(s, limits));
    usage.set("server_tool_use", serverToolUse(u.webSearchRequests(), u.webFetchRequests()));
    if (s.budget() != null) {
      p.set("budget", Json.mapper().valueToTree(s.budget()));
    }
    return p;
  }

  static EventDraft usageEvent(Session s, SpendLimits limits, Instant at) {
    return usageEvent(usagePayload(s, limits), at);
  }

  /** The {@code session.usage} event of {@link #usagePayload} (with a stop reason, if set). */
  static EventDraft usageEvent(ObjectNode payload, Instant at) {
    return EventCodec.draft(
        new Event.SessionUsageSnapshot(
            payload.get("usage"), payload.get("budget"), payload.get("stop_reason")),
        at);
  }

  /**
   * Why the session may not make another model request, or empty when it may: its list cost has
   * reached its budget, or its tokens or active seconds have reached Agentry's caps.
   */
  public static Optional<String> stopReason(Session s, SpendLimits limits) {
    return stopReason(SessionHead.of(s), limits);
  }

  /** As {@link #stopReason(Session, SpendLimits)}, from the session's head. */
  public static Optional<String> stopReason(SessionHead s, SpendLimits limits) {
    SessionUsage u = s.usage() == null ? SessionUsage.ZERO : s.usage();
    SessionBudget b = s.budget();
    if (b != null && b.maxListCost() != null) {
      String cost = limits.prices().listCostMinorUnits(s.model(), u);
      BigInteger max = new BigInteger(b.maxListCost().amount());
      if (new BigInteger(cost).compareTo(max) >= 0) {
        return Optional.of(
            "the session's list cost ("
                + cost
                + " "
                + PriceTable.CURRENCY
                + " minor units) has reached its budget.max_list_cost.amount ("
                + max
                + "); raise or remove the budget to continue");
      }
    }
    long tokens =
        u.inputTokens()
            + u.outputTokens()
            + u.cacheReadInputTokens()
            + u.cacheCreationInputTokens();
    if (limits.maxSessionTokens() > 0 && tokens >= limits.maxSessionTokens()) {
      return Optional.of(
          "the session used "
              + tokens
              + " tokens, reaching this server's limit of "
              + limits.maxSessionTokens()
              + " (AGENTRY_MAX_SESSION_TOKENS)");
    }
    if (limits.maxActiveSeconds() > 0
        && BigDecimal.valueOf(u.activeSeconds())
                .compareTo(BigDecimal.valueOf(limits.maxActiveSeconds()))
            >= 0) {
      return Optional.of(
          "the session was active for "
              + Math.round(u.activeSeconds())
              + " s, reaching this server's limit of "
              + limits.maxActiveSeconds()
              + " s (AGENTRY_MAX_ACTIVE_SECONDS)");
    }
    return Optional.empty();
  }
}
