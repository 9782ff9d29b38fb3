package dev.agentry.server;

import dev.agentry.core.EventStore;
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
import java.util.function.Predicate;

/**
 * The open SSE connections, per session. A session with open connections has one store
 * subscription, whose events are rendered once and fanned out to every connection's bounded queue;
 * a connection that falls behind is flagged and catches up from the log instead of holding an
 * unbounded backlog in memory. The hub also ends every stream of a deleted session and, at
 * shutdown, every stream.
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

  /**
   * A session's open connections and the one store subscription that feeds them all: each committed
   * event is rendered once and the same frame is queued on every connection.
   */
  private static final class Channel {
    final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    EventStore.Subscription subscription;

    /** Called by the store's dispatch thread, in commit order: one render, every connection. */
    void fanOut(StoredEvent e) {
      if (connections.isEmpty()) {
        return;
      }
      Event rendered = new Event(e);
      connections.forEach(c -> c.offer(rendered));
    }
  }

  private final EventStore events;
  private final Map<String, Channel> bySession = new ConcurrentHashMap<>();

  StreamHub(EventStore events) {
    this.events = events;
  }

  /** One SSE client. */
  static final class Connection {
    private final BlockingQueue<Signal> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicBoolean lagging = new AtomicBoolean();
    private final Set<String> previews;

    /** The child thread whose stream this is; null for the session's (docs/decisions/0033). */
    private final String thread;

    private final Predicate<StoredEvent> shows;

    Connection(Set<String> previews) {
      this(previews, null, e -> true);
    }

    Connection(Set<String> previews, String thread, Predicate<StoredEvent> shows) {
      this.previews = Set.copyOf(previews);
      this.thread = thread;
      this.shows = shows;
    }

    /** Whether this stream shows {@code e}: a thread's stream only that thread's events. */
    boolean shows(StoredEvent e) {
      return shows.test(e);
    }

    /** Previews are best effort: one that does not fit is dropped, never waited for. */
    void offerPreview(String threadId, String previewOf, String json) {
      if (previews.contains(previewOf) && java.util.Objects.equals(thread, threadId)) {
        queue.offer(new Preview(json));
      }
    }

    void offer(Event e) {
      if (shows.test(e.event()) && !queue.offer(e)) {
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

  /**
   * A new connection; {@code previews} names the event types it wants live previews of. The first
   * connection of a session subscribes to its log; later ones join that subscription.
   */
  Connection open(String sessionId, Set<String> previews) {
    return open(sessionId, new Connection(previews));
  }

  /** A new connection that shows what {@code c} shows of the session's log. */
  Connection open(String sessionId, Connection c) {
    bySession.compute(
        sessionId,
        (id, channel) -> {
          Channel ch = channel == null ? new Channel() : channel;
          ch.connections.add(c);
          if (ch.subscription == null) {
            // The listener holds its channel: an event delivered before this compute returns
            // still reaches the connection just added.
            ch.subscription = events.subscribe(id, e -> ch.fanOut(e));
          }
          return ch;
        });
    return c;
  }

  /** Ends a connection; the last one of a session ends the session's subscription. */
  void close(String sessionId, Connection c) {
    bySession.computeIfPresent(
        sessionId,
        (id, ch) -> {
          ch.connections.remove(c);
          if (!ch.connections.isEmpty()) {
            return ch;
          }
          ch.subscription.close();
          return null;
        });
  }

  @Override
  public void publish(String sessionId, String previewOf, String json) {
    Channel ch = bySession.get(sessionId);
    if (ch != null) {
      ch.connections.forEach(c -> c.offerPreview(null, previewOf, json));
    }
  }

  /** A child thread's preview: only that thread's streams show it. */
  @Override
  public void publish(String sessionId, String threadId, String previewOf, String json) {
    Channel ch = bySession.get(sessionId);
    if (ch != null) {
      ch.connections.forEach(c -> c.offerPreview(threadId, previewOf, json));
    }
  }

  void sessionDeleted(String sessionId) {
    Channel ch = bySession.get(sessionId);
    if (ch != null) {
      ch.connections.forEach(c -> c.end(new Deleted()));
    }
  }

  void shutdown() {
    bySession.values().forEach(ch -> ch.connections.forEach(c -> c.end(new Shutdown())));
  }

  int subscribers() {
    return bySession.values().stream().mapToInt(ch -> ch.connections.size()).sum();
  }
}
