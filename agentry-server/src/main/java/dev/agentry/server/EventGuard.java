package dev.agentry.server;

import dev.agentry.core.AppendHook;
import dev.agentry.core.EventDraft;
import dev.agentry.core.Redactor;
import dev.agentry.core.StoredEvent;
import java.util.List;

/**
 * What the server asks of every event that enters a session log: known secrets (in any form the
 * {@link Redactor} knows) are replaced with {@code [redacted]} before it is written, payloads
 * staying valid JSON, and it is counted by type for {@code /metrics} once committed; a committed
 * {@code session.status_idle} is passed on (the session's outputs are indexed then).
 */
final class EventGuard implements AppendHook {
  private final Redactor redactor;
  private final Metrics metrics;

  /** Told the id of each session whose turn went idle (set once the server is wired). */
  private volatile java.util.function.Consumer<String> idle = id -> {};

  EventGuard(Redactor redactor, Metrics metrics) {
    this.redactor = redactor;
    this.metrics = metrics;
  }

  @Override
  public List<EventDraft> beforeAppend(String sessionId, List<EventDraft> drafts) {
    return drafts.stream().map(this::redacted).toList();
  }

  private EventDraft redacted(EventDraft d) {
    String payload = redactor.redactJson(d.payload());
    return payload.equals(d.payload())
        ? d
        : new EventDraft(d.id(), d.type(), payload, d.processedAt());
  }

  /** Whom to tell when a session goes idle; called on the committing thread, must not block. */
  void onIdle(java.util.function.Consumer<String> listener) {
    idle = listener;
  }

  @Override
  public void afterCommit(String sessionId, List<StoredEvent> events) {
    events.forEach(e -> metrics.eventAppended(e.type()));
    if (events.stream().anyMatch(e -> e.type().equals(IDLE))) {
      idle.accept(sessionId);
    }
  }

  private static final String IDLE = "session.status_idle";
}
