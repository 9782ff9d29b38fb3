package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.EnvironmentConfig;
import dev.agentry.core.EventDraft;
import dev.agentry.core.SessionHead;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.SessionThreads;
import dev.agentry.core.Store;
import dev.agentry.core.StoreException;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ThreadView;
import dev.agentry.core.Timestamps;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Whether a session takes the events a client sends, and taking them: the session must be the
 * caller's and open, a {@code user.message} must fit its budget, an answer must name a call that
 * waits for it; then the events are appended in one batch, those processed on receipt (results,
 * outcomes, an interrupt of an idle session) with {@code processed_at} set. Reads only the
 * session's head (not its agent snapshot): sending events is the API's hottest write.
 */
final class Inbox {
  private final Store store;
  private final SpendLimits spend;
  private final Clock clock;
  private final PendingCalls calls;

  Inbox(Store store, SpendLimits spend, Clock clock) {
    this.store = store;
    this.spend = spend;
    this.clock = clock;
    this.calls = new PendingCalls(store);
  }

  List<StoredEvent> accept(String workspaceId, String sessionId, List<UserEvent> events) {
    SessionHead session =
        store
            .sessions()
            .head(workspaceId, sessionId)
            .orElseThrow(() -> EventsRefused.notFound(sessionId));
    checkOpen(session);
    checkBudget(session, events);
    PendingCalls.checkBatch(events);
    OutcomeChecks.check(store, workspaceId, sessionId, events, clock.instant());
    Instant now = Timestamps.truncate(clock.instant());
    List<EventDraft> drafts = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      UserEvent e = events.get(i);
      checkReferences(session, e, "events[" + i + "]");
      boolean processed =
          e.processedOnReceipt()
              || (e.type().equals(UserEvent.INTERRUPT) && session.status() == SessionStatus.IDLE);
      drafts.add(EventDraft.of(e.type(), e.payload().toString(), processed ? now : null));
    }
    try {
      return store.events().append(sessionId, drafts);
    } catch (StoreException.NotFound e) {
      throw EventsRefused.notFound(sessionId);
    }
  }

  private static void checkOpen(SessionHead session) {
    if (session.archivedAt() != null) {
      throw EventsRefused.invalid(
          "session " + session.id() + " is archived and read-only", "session_archived");
    }
    if (session.status() == SessionStatus.TERMINATED) {
      throw EventsRefused.invalid(
          "session " + session.id() + " is terminated", "session_terminated");
    }
  }

  /**
   * A session at its budget or an Agentry cap takes no new work: a {@code user.message} would only
   * be stopped before its model request. Settle events (confirmations, tool results, interrupts)
   * are still accepted.
   */
  private void checkBudget(SessionHead session, List<UserEvent> events) {
    for (int i = 0; i < events.size(); i++) {
      if (!events.get(i).type().equals(UserEvent.MESSAGE)) {
        continue;
      }
      var reason = Spend.stopReason(session, spend);
      if (reason.isPresent()) {
        throw EventsRefused.invalid(
            "events["
                + i
                + "]: session "
                + session.id()
                + " has reached its budget and accepts no user.message: "
                + reason.get(),
            Spend.BUDGET_REACHED);
      }
    }
  }

  /** Answers must name a call this session made, of the kind they answer. */
  private void checkReferences(SessionHead session, UserEvent e, String path) {
    switch (e.type()) {
      case UserEvent.TOOL_CONFIRMATION -> calls.checkConfirmation(session.id(), e.payload(), path);
      case UserEvent.CUSTOM_TOOL_RESULT ->
          calls.requireEvent(
              session.id(),
              e.payload(),
              "custom_tool_use_id",
              path,
              Set.of("agent.custom_tool_use"));
      case UserEvent.TOOL_RESULT -> {
        if (!(environmentConfig(session) instanceof EnvironmentConfig.SelfHosted)) {
          throw EventsRefused.invalid(
              path + ".type: user.tool_result is only for self_hosted environments");
        }
        calls.checkHostedResult(session.id(), e.payload(), path);
      }
      case UserEvent.INTERRUPT -> checkThread(session, e.payload(), path);
      default -> {}
    }
  }

  /** An interrupt naming a thread names one of this session's (docs/decisions/0033). */
  private void checkThread(SessionHead session, JsonNode payload, String path) {
    String thread = payload.path(ThreadView.FIELD).asText("");
    if (thread.isEmpty() || thread.equals(ThreadView.primaryId(session.id()))) {
      return;
    }
    List<StoredEvent> log = new ArrayList<>();
    while (true) {
      List<StoredEvent> page = store.events().readAfter(session.id(), log.size(), 1000);
      log.addAll(page);
      if (page.size() < 1000) {
        break;
      }
    }
    if (!SessionThreads.of(log).containsKey(thread)) {
      throw EventsRefused.invalid(
          path + ".session_thread_id: " + thread + " is not a thread of session " + session.id());
    }
  }

  private EnvironmentConfig environmentConfig(SessionHead session) {
    return store.environments().find(session.environmentId()).map(e -> e.config()).orElse(null);
  }
}
