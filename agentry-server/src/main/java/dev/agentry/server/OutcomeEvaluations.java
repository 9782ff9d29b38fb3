package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.EventQuery;
import dev.agentry.core.EventStore;
import dev.agentry.core.Json;
import dev.agentry.core.Page;
import dev.agentry.core.PageKey;
import dev.agentry.core.PageRequest;
import dev.agentry.core.SortOrder;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.TimeRange;
import dev.agentry.core.Timestamps;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A session's {@code outcome_evaluations[]}: one entry per ended evaluation, in order, read from
 * its log (the log is the truth; docs/decisions/0043). Only the two event types it needs are read.
 */
final class OutcomeEvaluations {
  private static final Set<String> TYPES =
      Set.of("user.define_outcome", "span.outcome_evaluation_end");

  private static final int PAGE = 1000;

  private OutcomeEvaluations() {}

  static ArrayNode of(EventStore events, String sessionId) {
    ArrayNode out = Json.mapper().createArrayNode();
    Map<String, String> descriptions = new HashMap<>();
    PageKey after = null;
    while (true) {
      Page<StoredEvent> page =
          events.list(
              sessionId,
              new EventQuery(
                  TYPES, TimeRange.ALL, new PageRequest(PAGE, SortOrder.ASC, after, false)));
      for (StoredEvent e : page.items()) {
        JsonNode p = read(e.payload());
        if (e.type().equals("user.define_outcome")) {
          descriptions.putIfAbsent(p.path("outcome_id").asText(), p.path("description").asText());
          continue;
        }
        String outcomeId = p.path("outcome_id").asText();
        ObjectNode n = out.addObject().put("type", "outcome_evaluation");
        n.put("outcome_id", outcomeId);
        n.put("description", descriptions.getOrDefault(outcomeId, ""));
        n.put("iteration", p.path("iteration").asInt());
        n.put("result", p.path("result").asText());
        n.set("explanation", p.path("explanation").isTextual() ? p.get("explanation") : null);
        n.put("completed_at", e.processedAt() == null ? null : Timestamps.format(e.processedAt()));
      }
      if (!page.moreAfter() || page.items().isEmpty()) {
        return out;
      }
      StoredEvent last = page.items().getLast();
      after = new PageKey(last.seq(), "");
    }
  }

  private static JsonNode read(String payload) {
    try {
      return Json.mapper().readTree(payload);
    } catch (java.io.IOException e) {
      return Json.mapper().createObjectNode(); // an unreadable row: the loop reports it
    }
  }
}
