package dev.agentry.core;

import java.time.Instant;

/**
 * A stored event with its payload read once as an {@link Event}: folds switch over {@link #event}
 * instead of parsing the payload again at every step. {@link #tag} is the payload's {@code
 * session_thread_id} (or null), read once too: a multi-agent session's folds ask it of every event.
 */
public record LogEntry(StoredEvent stored, Event event, String tag) {

  /** {@code event} read from {@code stored}, its thread tag read from its payload. */
  public LogEntry(StoredEvent stored, Event event) {
    this(stored, event, stored.payload() == null ? null : ThreadView.tag(stored.payload()));
  }

  /** Reads {@code e}'s payload; never throws (see {@link EventCodec#read}). */
  public static LogEntry of(StoredEvent e) {
    return new LogEntry(e, EventCodec.read(e));
  }

  public long seq() {
    return stored.seq();
  }

  public String id() {
    return stored.id();
  }

  public String type() {
    return stored.type();
  }

  /** Null while a user event is queued. */
  public Instant processedAt() {
    return stored.processedAt();
  }

  /** A queued user event: the one kind whose {@code processed_at} is set later. */
  public boolean queued() {
    return stored.processedAt() == null && StoredEvent.queueable(stored.type());
  }

  /** The same event once marked processed; the payload is not read again. */
  public LogEntry withStored(StoredEvent marked) {
    return new LogEntry(marked, event, tag);
  }
}
