package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.EventDraft;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.Session;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.SessionUsage;
import dev.agentry.core.StoredEvent;
import dev.agentry.sandbox.WorkspaceCheckpoints;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/sessions/{id}/fork} (an Agentry extension): a new idle session whose log is a
 * copy of the original's up to an event ({@code event_id}, default the latest), with lineage in its
 * metadata ({@code forked_from}, {@code forked_at_event}), and whose workspace is the original's
 * checkpoint taken at or before that event (restored on the fork's first tool call, on whichever
 * node runs it). The original is untouched.
 *
 * <p>The copies get new event ids (event ids are unique across sessions), and every reference to a
 * copied event inside a payload ({@code tool_use_id}, a span's start id) is rewritten to match;
 * they are stamped processed (the fork's history, not its work to do) and created now.
 */
final class ForkRoutes implements Api.Routes {
  private static final int PAGE = 1000;
  private final Api api;
  private final WorkspaceCheckpoints checkpoints;

  ForkRoutes(Api api, WorkspaceCheckpoints checkpoints) {
    this.api = api;
    this.checkpoints = checkpoints;
  }

  @Override
  public void register(HttpRules r) {
    r.post("/v1/sessions/{id}/fork", this::fork);
  }

  private void fork(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    Session original = SessionRoutes.find(api, req, id);
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    for (Map.Entry<String, JsonNode> field : body.properties()) {
      String name = field.getKey();
      if (!name.equals("event_id")) {
        throw ApiError.invalid(
            name + ": not a fork parameter (only event_id is)", "unsupported_feature");
      }
    }
    String eventId = Fields.optionalString(body, "", "event_id", 1, 128);
    long upTo;
    if (eventId == null) {
      upTo = Long.MAX_VALUE;
    } else {
      upTo =
          api.store()
              .events()
              .find(id, eventId)
              .map(StoredEvent::seq)
              .orElseThrow(
                  () ->
                      ApiError.invalid(
                          "event_id: no event " + eventId + " in session " + id,
                          "event_not_found"));
    }
    List<StoredEvent> copied = logUpTo(id, upTo);
    if (copied.isEmpty()) {
      throw ApiError.invalid("session " + id + " has no events to fork from", "session_empty");
    }
    StoredEvent at = copied.getLast();
    Instant now = api.now();
    Map<String, String> metadata = new LinkedHashMap<>(original.metadata());
    metadata.put("forked_from", id);
    metadata.put("forked_at_event", at.id());
    Session fork =
        new Session(
            Ids.next(IdKind.SESSION),
            original.title(),
            SessionStatus.IDLE,
            original.environmentId(),
            original.agent(),
            metadata,
            original.vaultIds(),
            original.resources(),
            SessionUsage.ZERO,
            now,
            now,
            null,
            original.budget());
    if (original.status() == SessionStatus.IDLE
        && api.store().events().readAfter(id, at.seq(), 1).isEmpty()) {
      // The turn that ended the log checkpoints as its run ends, just after the idle event a
      // client saw: take it now, so a fork made at once still gets it (skipped on a node whose
      // copy is not current, where the record is the latest there is).
      checkpoints.checkpoint(id, at.seq());
    }
    Session created =
        api.store().sessions().create(Caller.workspace(req), fork, drafts(copied, now));
    // The fork's own record: its first tool call, on any node, restores the workspace from it.
    api.store()
        .checkpoints()
        .atOrBefore(id, at.seq())
        .ifPresent(c -> api.store().checkpoints().copy(c, created.id(), copied.size(), now));
    Http.ok(res, Views.session(created, now, api.spend()));
  }

  private List<StoredEvent> logUpTo(String sessionId, long upTo) {
    List<StoredEvent> out = new ArrayList<>();
    long after = 0;
    while (true) {
      List<StoredEvent> page = api.store().events().readAfter(sessionId, after, PAGE);
      for (StoredEvent e : page) {
        if (e.seq() > upTo) {
          return out;
        }
        out.add(e);
      }
      if (page.size() < PAGE) {
        return out;
      }
      after = page.getLast().seq();
    }
  }

  /** The copies, with new ids, and references between them rewritten. */
  private static List<EventDraft> drafts(List<StoredEvent> events, Instant now) {
    Map<String, String> ids = new HashMap<>();
    for (StoredEvent e : events) {
      ids.put(e.id(), Ids.next(IdKind.EVENT));
    }
    List<EventDraft> out = new ArrayList<>(events.size());
    for (StoredEvent e : events) {
      JsonNode payload;
      try {
        payload = Json.mapper().readTree(e.payload());
      } catch (java.io.IOException ex) {
        throw new java.io.UncheckedIOException(ex);
      }
      rewrite(payload, ids);
      out.add(
          new EventDraft(
              ids.get(e.id()),
              e.type(),
              payload.toString(),
              e.processedAt() == null ? now : e.processedAt()));
    }
    return out;
  }

  private static void rewrite(JsonNode node, Map<String, String> ids) {
    if (node instanceof ObjectNode obj) {
      for (Map.Entry<String, JsonNode> f : obj.properties()) {
        String replaced = f.getValue().isTextual() ? ids.get(f.getValue().asText()) : null;
        if (replaced != null) {
          f.setValue(obj.textNode(replaced));
        } else {
          rewrite(f.getValue(), ids);
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        JsonNode item = node.get(i);
        String replaced = item.isTextual() ? ids.get(item.asText()) : null;
        if (replaced != null) {
          ((com.fasterxml.jackson.databind.node.ArrayNode) node).set(i, replaced);
        } else {
          rewrite(item, ids);
        }
      }
    }
  }
}
