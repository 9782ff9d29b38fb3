package dev.agentry.store;

import dev.agentry.core.AppendHook;
import dev.agentry.core.EventDraft;
import dev.agentry.core.EventStore;
import dev.agentry.core.StoredEvent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands committed events to this process's subscribers. One dispatch thread delivers everything, so
 * a session's events arrive in the order the writer committed them, and a slow listener delays
 * other listeners but never the writer.
 *
 * <p>On a database shared by several nodes (PostgreSQL) a session's log also grows through other
 * nodes: each append then also queues a notice for them ({@link Notice}, sent by {@code NOTIFY} in
 * the same transaction), and this node's subscribers are fed by a {@link SequencedFanout}, which
 * merges this node's commits with what other nodes' notices say to read, by seq.
 */
final class EventHub implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventHub.class);

  private final AppendHook hook;
  private final ExecutorService dispatcher =
      Executors.newSingleThreadExecutor(
          r -> Thread.ofPlatform().name("agentry-event-dispatch").daemon().unstarted(r));

  /** This process's subscribers, on a single-node database. */
  private final Map<String, List<Sub>> subscribers = new ConcurrentHashMap<>();

  /** This store's name in its notices; null on a single-node database. */
  private final String origin;

  /** Null on a single-node database, where every event is this process's own commit. */
  private final SequencedFanout sequenced;

  /** A hub for a database only this process writes (SQLite). */
  EventHub(AppendHook hook) {
    this.hook = hook;
    this.origin = null;
    this.sequenced = null;
  }

  /** A hub for a database other nodes write too: its appends are announced as {@code origin}. */
  EventHub(AppendHook hook, String origin, SequencedFanout.Log log) {
    this.hook = hook;
    this.origin = origin;
    this.sequenced = new SequencedFanout(log, dispatcher);
  }

  /** The drafts to write: every path into a session log passes here first. */
  List<EventDraft> admit(String sessionId, List<EventDraft> drafts) {
    return List.copyOf(hook.beforeAppend(sessionId, List.copyOf(drafts)));
  }

  EventStore.Subscription subscribe(String sessionId, Consumer<StoredEvent> listener) {
    if (sequenced != null) {
      return sequenced.subscribe(sessionId, listener);
    }
    Sub sub = new Sub(sessionId, listener);
    subscribers.computeIfAbsent(sessionId, k -> new CopyOnWriteArrayList<>()).add(sub);
    return sub;
  }

  /**
   * Has {@code events}, appended in {@code tx}, published once it commits, and on a shared database
   * announced to the other nodes by the same commit.
   */
  void publishOnCommit(Tx tx, String sessionId, List<StoredEvent> events) {
    if (origin != null && !events.isEmpty()) {
      tx.notice(Notice.of(origin, sessionId, events).encode());
    }
    tx.onCommit(() -> publish(sessionId, events));
  }

  /** Another node's notice: the session's log reached {@code lastSeq}. */
  void notified(String sessionId, long lastSeq) {
    if (sequenced != null) {
      sequenced.notified(sessionId, lastSeq);
    }
  }

  /** Other nodes' notices may have been missed: subscribers catch up from the log. */
  void resync() {
    if (sequenced != null) {
      sequenced.resync();
    }
  }

  /** This store's name in its notices, or null on a single-node database. */
  String origin() {
    return origin;
  }

  /** Called after commit; the subscribers are those present at commit time. */
  private void publish(String sessionId, List<StoredEvent> events) {
    if (!events.isEmpty()) {
      try {
        hook.afterCommit(sessionId, events);
      } catch (RuntimeException e) {
        LOG.error("the append hook failed after a commit to session {}", sessionId, e);
      }
    }
    if (sequenced != null) {
      if (!events.isEmpty()) {
        sequenced.committed(sessionId, events);
      }
      return;
    }
    List<Sub> subs = subscribers.get(sessionId);
    if (subs == null || subs.isEmpty() || events.isEmpty()) {
      return;
    }
    Sub[] snapshot = subs.toArray(new Sub[0]);
    try {
      dispatcher.execute(() -> deliver(snapshot, events));
    } catch (RejectedExecutionException e) {
      LOG.debug("event hub closed; dropping delivery");
    }
  }

  private static void deliver(Sub[] subs, List<StoredEvent> events) {
    for (StoredEvent event : events) {
      for (Sub sub : subs) {
        if (sub.open) {
          try {
            sub.listener.accept(event);
          } catch (RuntimeException e) {
            LOG.error("an event listener of session {} failed", event.sessionId(), e);
          }
        }
      }
    }
  }

  @Override
  public void close() {
    if (sequenced != null) {
      sequenced.close();
    }
    dispatcher.shutdown();
  }

  private final class Sub implements EventStore.Subscription {
    private final String sessionId;
    private final Consumer<StoredEvent> listener;
    private volatile boolean open = true;

    Sub(String sessionId, Consumer<StoredEvent> listener) {
      this.sessionId = sessionId;
      this.listener = listener;
    }

    @Override
    public void close() {
      open = false;
      subscribers.computeIfPresent(
          sessionId,
          (k, list) -> {
            list.remove(this);
            return list.isEmpty() ? null : list;
          });
    }
  }
}
