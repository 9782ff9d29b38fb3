package dev.agentry.server;

import dev.agentry.core.PreviewSink;
import dev.agentry.core.StoredEvent;
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

  record Event(StoredEvent event) implements Signal {}

  /** A stream-only preview ({@code event_start}/{@code event_delta}), already rendered. */
  record Preview(String json) implements Signal {}

  /** The session was deleted: send {@code session.deleted} and end. */
  record Deleted() implements Signal {}

  /** The server is stopping. */
  record Shutdown() implements Signal {}

  private final Map<String, Set<Connection>> bySession = new ConcurrentHashMap<>();

  /** One SSE client. */
  static final class Connection {
    private final BlockingQueue<Signal> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicBoolean lagging = new AtomicBoolean();
    private final Set<String> previews;

    Connection(Set<String> previews) {
      this.previews = Set.copyOf(previews);
    }

    /** Previews are best effort: one that does not fit is dropped, never waited for. */
    void offerPreview(String previewOf, String json) {
      if (previews.contains(previewOf)) {
        queue.offer(new Preview(json));
      }
    }

    void offer(StoredEvent e) {
      if (!queue.offer(new Event(e))) {
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
    Connection c = new Connection(previews);
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
