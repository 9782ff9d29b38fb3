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
 */
final class EventHub implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventHub.class);

  private final AppendHook hook;

  EventHub(AppendHook hook) {
    this.hook = hook;
  }

  /** The drafts to write: every path into a session log passes here first. */
  List<EventDraft> admit(String sessionId, List<EventDraft> drafts) {
    return List.copyOf(hook.beforeAppend(sessionId, List.copyOf(drafts)));
  }

  private final Map<String, List<Sub>> subscribers = new ConcurrentHashMap<>();
  private final ExecutorService dispatcher =
      Executors.newSingleThreadExecutor(
          r -> Thread.ofPlatform().name("agentry-event-dispatch").daemon().unstarted(r));

  EventStore.Subscription subscribe(String sessionId, Consumer<StoredEvent> listener) {
    Sub sub = new Sub(sessionId, listener);
    subscribers.computeIfAbsent(sessionId, k -> new CopyOnWriteArrayList<>()).add(sub);
    return sub;
  }

  /** Called by the writer after commit; the subscribers are those present at commit time. */
  void publish(String sessionId, List<StoredEvent> events) {
    if (!events.isEmpty()) {
      try {
        hook.afterCommit(sessionId, events);
      } catch (RuntimeException e) {
        LOG.error("the append hook failed after a commit to session {}", sessionId, e);
      }
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
