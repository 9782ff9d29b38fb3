package dev.agentry.server;

import dev.agentry.core.EventDraft;
import dev.agentry.core.EventQuery;
import dev.agentry.core.EventStore;
import dev.agentry.core.Page;
import dev.agentry.core.StoredEvent;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** Counts every event appended, by type, once the append has committed. Reads pass through. */
final class MeteredEventStore implements EventStore {
  private final EventStore delegate;
  private final Metrics metrics;

  MeteredEventStore(EventStore delegate, Metrics metrics) {
    this.delegate = delegate;
    this.metrics = metrics;
  }

  private List<StoredEvent> counted(List<StoredEvent> appended) {
    appended.forEach(e -> metrics.eventAppended(e.type()));
    return appended;
  }

  @Override
  public List<StoredEvent> append(String sessionId, List<EventDraft> drafts) {
    return counted(delegate.append(sessionId, drafts));
  }

  @Override
  public List<StoredEvent> append(String sessionId, List<EventDraft> drafts, long fence) {
    return counted(delegate.append(sessionId, drafts, fence));
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
