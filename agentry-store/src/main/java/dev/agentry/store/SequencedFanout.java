package dev.agentry.store;

import dev.agentry.core.EventStore;
import dev.agentry.core.StoredEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a session's subscribers in seq order, without a gap or a duplicate, from two sources that
 * race: this node's commits (handed over after commit) and the log itself, read after another
 * node's notice says it grew. Each session with subscribers has a {@link Channel} that knows the
 * last seq it delivered; events arriving out of order wait in it until the gap before them is read
 * from the log. Every channel's state is touched only on the one dispatch thread, so it needs no
 * lock; the reads run on virtual threads and hand their rows back to that thread.
 *
 * <p>A subscriber gets the events committed after it subscribed: it reads the session's last seq
 * once when it subscribes, and whatever the channel delivered meanwhile is held for it until that
 * read says where it starts.
 */
final class SequencedFanout implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SequencedFanout.class);

  /** The reads a channel needs from the log. */
  interface Log {
    List<StoredEvent> readAfter(String sessionId, long afterSeq, int limit);

    long lastSeq(String sessionId);
  }

  static final int READ_CHUNK = 500;

  /** How long a channel waits before reading again after a read failed (the database is away). */
  private static final long RETRY_MILLIS = 500;

  private static final long UNKNOWN = -1;

  private final Log log;
  private final Executor dispatcher;
  private final Executor retry;
  private final ExecutorService reads = Executors.newVirtualThreadPerTaskExecutor();
  private final Map<String, Channel> channels = new ConcurrentHashMap<>();

  SequencedFanout(Log log, Executor dispatcher) {
    this.log = log;
    this.dispatcher = dispatcher;
    this.retry = CompletableFuture.delayedExecutor(RETRY_MILLIS, TimeUnit.MILLISECONDS, dispatcher);
  }

  EventStore.Subscription subscribe(String sessionId, Consumer<StoredEvent> listener) {
    Sub sub = new Sub(sessionId, listener);
    Channel ch =
        channels.compute(
            sessionId,
            (id, c) -> {
              Channel channel = c == null ? new Channel(id) : c;
              channel.subs.add(sub);
              return channel;
            });
    long after;
    try {
      after = log.lastSeq(sessionId);
    } catch (RuntimeException e) {
      // Without the read the subscriber starts wherever the channel is; see Channel#activate.
      LOG.warn(
          "subscribing to session {}: its last seq could not be read: {}", sessionId, e.toString());
      after = UNKNOWN;
    }
    long start = after;
    run(() -> ch.activate(sub, start));
    return sub;
  }

  /** This node committed {@code events} (one append, in seq order) to the session. */
  void committed(String sessionId, List<StoredEvent> events) {
    Channel ch = channels.get(sessionId);
    if (ch != null) {
      run(() -> ch.offer(events));
    }
  }

  /** Another node's append took the session's log up to {@code lastSeq}. */
  void notified(String sessionId, long lastSeq) {
    Channel ch = channels.get(sessionId);
    if (ch != null) {
      run(() -> ch.behind(lastSeq));
    }
  }

  /** Notices may have been lost: every channel reads its log after what it delivered. */
  void resync() {
    for (Channel ch : channels.values()) {
      run(ch::reread);
    }
  }

  /** Sessions with subscribers here (tests, metrics). */
  int sessions() {
    return channels.size();
  }

  private void run(Runnable task) {
    try {
      dispatcher.execute(task);
    } catch (RejectedExecutionException e) {
      LOG.debug("event fan-out closed; dropping a task");
    }
  }

  @Override
  public void close() {
    reads.shutdownNow();
  }

  /** One session's subscribers and what they have been given. Dispatch thread only. */
  private final class Channel {
    final String sessionId;
    final List<Sub> subs = new CopyOnWriteArrayList<>();

    /** The last seq handed to the subscribers, or UNKNOWN before the first one starts. */
    long delivered = UNKNOWN;

    /** No start is known (the first subscriber's read failed): the first event sets it. */
    boolean acceptFirst;

    /** Events after a gap, waiting for the gap to be read. */
    final TreeMap<Long, StoredEvent> pending = new TreeMap<>();

    /** The highest seq known to be committed. */
    long known;

    boolean reading;

    /** Read the log after {@link #delivered} even if nothing says it grew (a resync, a retry). */
    boolean reread;

    Channel(String sessionId) {
      this.sessionId = sessionId;
    }

    /** The subscriber's read says it starts after {@code after}; it gets what it was held. */
    void activate(Sub sub, long after) {
      long start = after;
      if (start == UNKNOWN) {
        start = sub.held.isEmpty() ? delivered : sub.held.getFirst().seq() - 1;
      }
      List<StoredEvent> held = sub.held;
      sub.after = start;
      sub.held = null;
      for (StoredEvent e : held) {
        sub.accept(e);
      }
      if (delivered == UNKNOWN) {
        if (after == UNKNOWN) {
          acceptFirst = true;
        } else {
          delivered = after;
          pending.headMap(after, true).clear();
        }
      }
      drain();
    }

    void offer(List<StoredEvent> events) {
      for (StoredEvent e : events) {
        known = Math.max(known, e.seq());
        if (delivered == UNKNOWN || e.seq() > delivered) {
          pending.put(e.seq(), e);
        }
      }
      drain();
    }

    void behind(long lastSeq) {
      known = Math.max(known, lastSeq);
      drain();
    }

    void reread() {
      reread = true;
      drain();
    }

    private void drain() {
      if (channels.get(sessionId) != this) {
        return; // every subscriber left
      }
      if (delivered == UNKNOWN) {
        if (!acceptFirst || pending.isEmpty()) {
          return;
        }
        delivered = pending.firstKey() - 1;
      }
      while (!pending.isEmpty() && pending.firstKey() <= delivered + 1) {
        StoredEvent e = pending.pollFirstEntry().getValue();
        if (e.seq() == delivered + 1) {
          delivered = e.seq();
          for (Sub sub : subs) {
            sub.accept(e);
          }
        }
      }
      if (!reading && (known > delivered || reread || !pending.isEmpty())) {
        read();
      }
    }

    private void read() {
      reading = true;
      reread = false;
      long from = delivered;
      try {
        reads.execute(
            () -> {
              List<StoredEvent> got;
              try {
                got = log.readAfter(sessionId, from, READ_CHUNK);
              } catch (RuntimeException e) {
                LOG.debug("reading session {} after seq {} failed; retrying", sessionId, from, e);
                retry.execute(
                    () -> {
                      reading = false;
                      reread = true;
                      drain();
                    });
                return;
              }
              run(() -> readDone(from, got));
            });
      } catch (RejectedExecutionException e) {
        reading = false; // closing
      }
    }

    private void readDone(long from, List<StoredEvent> got) {
      reading = false;
      if (got.size() == READ_CHUNK) {
        reread = true;
      } else if (got.isEmpty() && from == delivered) {
        // Nothing after what was delivered: what a notice promised is gone (a deleted session).
        known = Math.min(known, delivered);
        pending.clear();
      }
      offer(got);
    }
  }

  /** One subscriber. {@code held} and {@code after} are the dispatch thread's. */
  private final class Sub implements EventStore.Subscription {
    private final String sessionId;
    private final Consumer<StoredEvent> listener;
    private volatile boolean open = true;

    /** Events delivered before its start was known; null once it is. */
    List<StoredEvent> held = new ArrayList<>();

    long after = UNKNOWN;

    Sub(String sessionId, Consumer<StoredEvent> listener) {
      this.sessionId = sessionId;
      this.listener = listener;
    }

    void accept(StoredEvent e) {
      if (!open) {
        return;
      }
      if (held != null) {
        held.add(e);
        return;
      }
      if (e.seq() <= after) {
        return;
      }
      after = e.seq();
      try {
        listener.accept(e);
      } catch (RuntimeException ex) {
        LOG.error("an event listener of session {} failed", sessionId, ex);
      }
    }

    @Override
    public void close() {
      open = false;
      channels.computeIfPresent(
          sessionId,
          (k, ch) -> {
            ch.subs.remove(this);
            return ch.subs.isEmpty() ? null : ch;
          });
    }
  }
}
