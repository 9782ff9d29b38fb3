package dev.agentry.server;

import dev.agentry.core.PreviewSink;
import dev.agentry.core.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The open SSE connections, per session. Each connection has a bounded queue fed by the store's
 * subscription; a connection that falls behind is flagged and catches up from the log instead of
 * holding an unbounded backlog in memory. The hub also ends every stream of a deleted session and,
 * at shutdown, every stream.
 */
final class StreamHub implements PreviewSink {
  static final int QUEUE_CAPACITY = 4096;

  /** What a connection's queue carries: a committed event, or the end of the stream. */
  sealed interface Signal {}

  /**
   * A committed event with its SSE frame ({@code id:}, {@code event: message}, {@code data:}) as
   * UTF-8 bytes. The bytes are rendered once per event and shared by every connection it is queued
   * on; they must not be modified.
   */
  record Event(StoredEvent event, byte[] frame) implements Signal {
    Event(StoredEvent event) {
      this(event, frame(event));
    }

    static byte[] frame(StoredEvent e) {
      return ("id: " + e.id() + "\nevent: message\ndata: " + e.toJson() + "\n\n")
          .getBytes(StandardCharsets.UTF_8);
    }
  }

  /** A stream-only preview ({@code event_start}/{@code event_delta}), already rendered. */
  record Preview(String json) implements Signal {}

  /** The session was deleted: send {@code session.deleted} and end. */
  record Deleted() implements Signal {}

  /** The server is stopping. */
  record Shutdown() implements Signal {}

  private final Map<String, Set<Connection>> bySession = new ConcurrentHashMap<>();

  /**
   * The last event rendered. The store hands one committed event to all of a session's subscribers
   * in a row (one {@link StoredEvent} instance), so this one slot lets every connection after the
   * first reuse the frame instead of rendering and encoding it again.
   */
  private volatile Event lastRendered;

  private Event rendered(StoredEvent e) {
    Event last = lastRendered;
    if (last != null && last.event() == e) {
      return last;
    }
    Event fresh = new Event(e);
    lastRendered = fresh;
    return fresh;
  }

  /** One SSE client. */
  static final class Connection {
    private final BlockingQueue<Signal> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicBoolean lagging = new AtomicBoolean();
    private final Set<String> previews;
    private final StreamHub hub;

    Connection(StreamHub hub, Set<String> previews) {
      this.hub = hub;
      this.previews = Set.copyOf(previews);
    }

    /** Previews are best effort: one that does not fit is dropped, never waited for. */
    void offerPreview(String previewOf, String json) {
      if (previews.contains(previewOf)) {
        queue.offer(new Preview(json));
      }
    }

    void offer(StoredEvent e) {
      if (!queue.offer(hub.rendered(e))) {
        lagging.set(true);
      }
    }

    /** Ends the stream; the end signal may displace an event, which the client can re-read. */
    void end(Signal signal) {
      while (!queue.offer(signal)) {
        queue.poll();
      }
    }

    Signal poll(long millis) throws InterruptedException {
      return queue.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** The next signal if one is queued already, else null; never waits. */
    Signal pollNow() {
      return queue.poll();
    }

    /** True once if the queue overflowed since the last call; the caller must catch up. */
    boolean takeLagging() {
      if (lagging.getAndSet(false)) {
        queue.removeIf(Event.class::isInstance);
        return true;
      }
      return false;
    }
  }

  /** A new connection; {@code previews} names the event types it wants live previews of. */
  Connection open(String sessionId, Set<String> previews) {
    Connection c = new Connection(this, previews);
    bySession.computeIfAbsent(sessionId, k -> ConcurrentHashMap.newKeySet()).add(c);
    return c;
  }

  void close(String sessionId, Connection c) {
    bySession.computeIfPresent(
        sessionId,
        (k, set) -> {
          set.remove(c);
          return set.isEmpty() ? null : set;
        });
  }

  @Override
  public void publish(String sessionId, String previewOf, String json) {
    Set<Connection> set = bySession.get(sessionId);
    if (set != null) {
      set.forEach(c -> c.offerPreview(previewOf, json));
    }
  }

  void sessionDeleted(String sessionId) {
    Set<Connection> set = bySession.get(sessionId);
    if (set != null) {
      set.forEach(c -> c.end(new Deleted()));
    }
  }

  void shutdown() {
    bySession.values().forEach(set -> set.forEach(c -> c.end(new Shutdown())));
  }

  int subscribers() {
    return bySession.values().stream().mapToInt(Set::size).sum();
  }
}
