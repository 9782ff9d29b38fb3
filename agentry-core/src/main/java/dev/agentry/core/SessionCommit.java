package dev.agentry.core;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Writes to one session that become durable together, in one transaction ({@link
 * SessionRepository#commit}): a change to the session record, events appended to its log (some
 * fixed, some made from the changed record), and queued events marked processed. A runner's step
 * uses one to pay for one commit instead of one per write.
 *
 * @param events appended first, in order
 * @param change applied to the session record; {@link #NO_CHANGE} leaves the record alone
 * @param derived events made from the changed record, appended after {@code events}
 * @param processed ids of events to mark processed at {@code processedAt} (those not yet marked)
 * @param processedAt when {@code processed} were processed; ignored when there are none
 */
public record SessionCommit(
    List<EventDraft> events,
    UnaryOperator<Session> change,
    Function<Session, List<EventDraft>> derived,
    List<String> processed,
    Instant processedAt) {

  /** The change that leaves the session record as it is (and unread). */
  public static final UnaryOperator<Session> NO_CHANGE = s -> s;

  /** No events made from the record. */
  public static final Function<Session, List<EventDraft>> NO_EVENTS = s -> List.of();

  public SessionCommit {
    events = List.copyOf(events);
    processed = List.copyOf(processed);
    if (!processed.isEmpty() && processedAt == null) {
      throw new IllegalArgumentException("processed events need a processedAt");
    }
  }

  /** Appends {@code events} and nothing else. */
  public static SessionCommit of(List<EventDraft> events) {
    return new SessionCommit(events, NO_CHANGE, NO_EVENTS, List.of(), Instant.EPOCH);
  }

  /** This commit, also applying {@code next} to the record (after any change it already has). */
  public SessionCommit andChange(UnaryOperator<Session> next) {
    UnaryOperator<Session> both = change == NO_CHANGE ? next : s -> next.apply(change.apply(s));
    return new SessionCommit(events, both, derived, processed, processedAt);
  }

  /** This commit, also appending the events {@code make} makes of the changed record. */
  public SessionCommit andDerived(Function<Session, List<EventDraft>> make) {
    Function<Session, List<EventDraft>> both =
        derived == NO_EVENTS
            ? make
            : s -> {
              List<EventDraft> all = new java.util.ArrayList<>(derived.apply(s));
              all.addAll(make.apply(s));
              return all;
            };
    return new SessionCommit(events, change, both, processed, processedAt);
  }

  /** This commit, also marking {@code ids} processed at {@code at}. */
  public SessionCommit andProcessed(Collection<String> ids, Instant at) {
    List<String> all = new java.util.ArrayList<>(processed);
    all.addAll(ids);
    return new SessionCommit(events, change, derived, all, at);
  }

  /** Whether the session record must be read (and possibly rewritten) in the transaction. */
  public boolean touchesRecord() {
    return change != NO_CHANGE || derived != NO_EVENTS;
  }

  /**
   * What a commit wrote: the events appended ({@code events}, then the derived ones) and the events
   * it marked processed, in {@code seq} order.
   */
  public record Result(List<StoredEvent> appended, List<StoredEvent> processed) {}
}
