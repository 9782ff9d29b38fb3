package dev.agentry.core;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * The append-only session log, the single source of truth.
 *
 * <p>Guarantees every implementation must keep (checked by {@code EventStoreContract}):
 *
 * <ul>
 *   <li>{@link #append} returns only after the events are durably committed; they get consecutive
 *       {@code seq} numbers that continue the session's log without a gap or a duplicate, even
 *       under concurrent appends to the same session.
 *   <li>Subscribers see an event only after it is committed, in {@code seq} order per session.
 *   <li>Nothing is rewritten except {@code processed_at}, which is set once.
 * </ul>
 */
public interface EventStore {

  /**
   * Appends {@code drafts} to the session's log, in order, as one atomic unit.
   *
   * @throws StoreException.NotFound if the session does not exist
   */
  List<StoredEvent> append(String sessionId, List<EventDraft> drafts);

  /**
   * Appends like {@link #append(String, List)}, but only while {@code fence} is the session's
   * current lease token; the harness uses this so that a runner that lost its lease cannot write.
   *
   * @throws StoreException.StaleFence if the session's lease has moved on
   */
  List<StoredEvent> append(String sessionId, List<EventDraft> drafts, long fence);

  /** One page of the session's log, filtered. Keys are {@code seq} numbers. */
  Page<StoredEvent> list(String sessionId, EventQuery query);

  /** Up to {@code limit} events with {@code seq > afterSeq}, ascending. */
  List<StoredEvent> readAfter(String sessionId, long afterSeq, int limit);

  /** The event with this id, if the session has it. */
  java.util.Optional<StoredEvent> find(String sessionId, String eventId);

  /** The highest {@code seq} of the session, or 0 for an empty log. */
  long lastSeq(String sessionId);

  /**
   * Sets {@code processed_at} on those of the events that do not have it yet. Returns the events
   * that changed.
   */
  List<StoredEvent> markProcessed(String sessionId, Collection<String> eventIds, Instant at);

  /**
   * Calls {@code listener} for each event committed to the session from now on, in {@code seq}
   * order, on a thread the store owns; the listener must not block. Close the subscription to stop.
   */
  Subscription subscribe(String sessionId, Consumer<StoredEvent> listener);

  /** A live subscription to a session's log. */
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }
}
