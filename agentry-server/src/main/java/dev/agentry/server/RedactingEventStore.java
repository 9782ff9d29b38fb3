package dev.agentry.server;

import dev.agentry.core.EventDraft;
import dev.agentry.core.EventQuery;
import dev.agentry.core.EventStore;
import dev.agentry.core.Page;
import dev.agentry.core.Redactor;
import dev.agentry.core.StoredEvent;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Scans every event before it is appended and replaces known secrets (in any form {@link Redactor}
 * knows) with {@code [redacted]}; payloads stay valid JSON. Reads pass through.
 */
final class RedactingEventStore implements EventStore {
  private final EventStore delegate;
  private final Redactor redactor;

  RedactingEventStore(EventStore delegate, Redactor redactor) {
    this.delegate = delegate;
    this.redactor = redactor;
  }

  private List<EventDraft> redact(List<EventDraft> drafts) {
    return drafts.stream()
        .map(
            d -> {
              String payload = redactor.redactJson(d.payload());
              return payload.equals(d.payload())
                  ? d
                  : new EventDraft(d.id(), d.type(), payload, d.processedAt());
            })
        .toList();
  }

  @Override
  public List<StoredEvent> append(String sessionId, List<EventDraft> drafts) {
    return delegate.append(sessionId, redact(drafts));
  }

  @Override
  public List<StoredEvent> append(String sessionId, List<EventDraft> drafts, long fence) {
    return delegate.append(sessionId, redact(drafts), fence);
  }

  @Override
  public Page<StoredEvent> list(String sessionId, EventQuery query) {
    return delegate.list(sessionId, query);
  }

  @Override
  public List<StoredEvent> readAfter(String sessionId, long afterSeq, int limit) {
    return delegate.readAfter(sessionId, afterSeq, limit);
  }

  @Override
  public Optional<StoredEvent> find(String sessionId, String eventId) {
    return delegate.find(sessionId, eventId);
  }

  @Override
  public long lastSeq(String sessionId) {
    return delegate.lastSeq(sessionId);
  }

  @Override
  public List<StoredEvent> markProcessed(
      String sessionId, Collection<String> eventIds, Instant at) {
    return delegate.markProcessed(sessionId, eventIds, at);
  }

  @Override
  public Subscription subscribe(String sessionId, Consumer<StoredEvent> listener) {
    return delegate.subscribe(sessionId, listener);
  }
}
