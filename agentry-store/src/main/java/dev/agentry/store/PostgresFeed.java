package dev.agentry.store;

import dev.agentry.core.ClusterFeed;
import dev.agentry.core.EventStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's ear on PostgreSQL: one connection of its own (outside the pool, which would recycle
 * it) that {@code LISTEN}s for other nodes' notices, and one thread that waits on it. A notice
 * makes the session's subscribers here read the log after what they have ({@link EventHub}), and is
 * handed to the watchers (the harness). When the connection breaks it reconnects with growing
 * pauses and, once listening again, has every subscribed session read the log and every watcher
 * look again: notices sent while it was away are lost for good.
 */
final class PostgresFeed implements ClusterFeed, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresFeed.class);

  /** The channel every node's appends are announced on. */
  static final String CHANNEL = "agentry_events";

  /** The {@code application_name} of the listening connection, to find it in pg_stat_activity. */
  static final String APPLICATION_NAME = "agentry-listen";

  /** How long one wait for notices lasts before the connection is checked. */
  private static final int WAIT_MILLIS = 1000;

  /**
   * A quiet connection is checked this often: a partition that drops packets would otherwise leave
   * the wait blocked on a dead socket, deaf, for as long as the kernel's keepalive takes.
   */
  private static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(5);

  private static final long BACKOFF_MIN_MILLIS = 50;
  private static final long BACKOFF_MAX_MILLIS = 2000;

  private final String jdbcUrl;
  private final EventHub hub;
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
  private final AtomicLong notifications = new AtomicLong();
  private final AtomicLong reconnects = new AtomicLong();
  private final Thread thread;
  private volatile Runnable workOffered = () -> {};
  private volatile Connection connection;
  private volatile boolean closed;

  /** Tests hold reconnection, to append while this node cannot hear. */
  private volatile boolean reconnectHeld;

  private PostgresFeed(String jdbcUrl, EventHub hub) {
    this.jdbcUrl = jdbcUrl;
    this.hub = hub;
    this.thread = Thread.ofPlatform().name("agentry-pg-listen").daemon().unstarted(this::run);
  }

  /**
   * Starts listening; returns once the first {@code LISTEN} is in place (or has failed, then it is
   * retried in the background), so that no notice sent after the store opened is missed.
   */
  static PostgresFeed start(String jdbcUrl, EventHub hub) {
    PostgresFeed feed = new PostgresFeed(jdbcUrl, hub);
    try {
      feed.connection = feed.listen();
    } catch (SQLException e) {
      LOG.warn("listening for other nodes' appends failed; retrying: {}", e.getMessage());
    }
    feed.thread.start();
    return feed;
  }

  @Override
  public EventStore.Subscription watch(Watcher watcher) {
    watchers.add(watcher);
    return () -> watchers.remove(watcher);
  }

  @Override
  public long notifications() {
    return notifications.get();
  }

  @Override
  public long reconnects() {
    return reconnects.get();
  }

  /** Runs {@code wake} when another node queues a work item, or notices may have been lost. */
  void onWorkOffered(Runnable wake) {
    workOffered = wake;
  }

  /** The server pid of the listening connection, or -1 while it has none (tests). */
  int backendPid() {
    Connection c = connection;
    try {
      return c == null ? -1 : c.unwrap(PGConnection.class).getBackendPID();
    } catch (SQLException e) {
      return -1;
    }
  }

  /** While held, a lost connection is not made again (tests). */
  void holdReconnects(boolean hold) {
    reconnectHeld = hold;
  }

  private Connection listen() throws SQLException {
    Properties props = new Properties();
    props.setProperty("ApplicationName", APPLICATION_NAME);
    props.setProperty("connectTimeout", "1");
    props.setProperty("loginTimeout", "2");
    props.setProperty("tcpKeepAlive", "true");
    Connection c = DriverManager.getConnection(jdbcUrl, props);
    try (Statement st = c.createStatement()) {
      st.execute("LISTEN " + CHANNEL);
      return c;
    } catch (SQLException e) {
      closeQuietly(c);
      throw e;
    }
  }

  private void run() {
    int failures = 0;
    while (!closed) {
      Connection c = connection;
      try {
        if (c == null) {
          while (reconnectHeld && !closed) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
          }
          c = listen();
          connection = c;
          reconnects.incrementAndGet();
          LOG.info("listening for other nodes' appends again; catching up from the log");
          catchUp();
        }
        failures = 0;
        receive(c);
      } catch (SQLException | RuntimeException e) {
        if (closed) {
          return;
        }
        failures++;
        if (failures == 1) {
          LOG.warn("the connection listening for other nodes' appends failed: {}", e.toString());
        } else {
          LOG.debug("listening for other nodes' appends failed again", e);
        }
        if (c != null) {
          closeQuietly(c);
        }
        connection = null;
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoff(failures)));
      }
    }
  }

  /** Waits for notices and hands them on until the connection fails or the feed closes. */
  private void receive(Connection c) throws SQLException {
    PGConnection pg = c.unwrap(PGConnection.class);
    long lastHeard = System.nanoTime();
    while (!closed) {
      PGNotification[] got = pg.getNotifications(WAIT_MILLIS);
      if (got != null && got.length > 0) {
        lastHeard = System.nanoTime();
        for (PGNotification n : got) {
          String payload = n.getParameter();
          WorkNotice.decode(payload)
              .ifPresentOrElse(this::handle, () -> Notice.decode(payload).ifPresent(this::handle));
        }
      } else if (System.nanoTime() - lastHeard > CHECK_NANOS) {
        if (!c.isValid(2)) {
          throw new SQLException("the listening connection stopped answering", "08006");
        }
        lastHeard = System.nanoTime();
      }
    }
  }

  private void handle(Notice notice) {
    if (notice.origin().equals(hub.origin())) {
      return; // this node's own append, published here already
    }
    notifications.incrementAndGet();
    hub.notified(notice.sessionId(), notice.lastSeq());
    for (Watcher w : watchers) {
      try {
        w.appended(notice.sessionId(), notice.lastSeq(), notice.queued());
      } catch (RuntimeException e) {
        LOG.error("a watcher of other nodes' appends failed", e);
      }
    }
  }

  private void handle(WorkNotice notice) {
    if (!notice.origin().equals(hub.origin())) {
      workOffered.run(); // this node's own offers woke its polls already
    }
  }

  /** Listening again: what was sent meanwhile is lost, so everyone reads the log instead. */
  private void catchUp() {
    hub.resync();
    workOffered.run();
    for (Watcher w : watchers) {
      try {
        w.mayHaveMissed();
      } catch (RuntimeException e) {
        LOG.error("a watcher of other nodes' appends failed", e);
      }
    }
  }

  private static long backoff(int failures) {
    long max = Math.min(BACKOFF_MAX_MILLIS, BACKOFF_MIN_MILLIS << Math.min(failures - 1, 10));
    return max / 2 + ThreadLocalRandom.current().nextLong(max / 2 + 1);
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // it is being dropped either way
    }
  }

  @Override
  public void close() {
    closed = true;
    Connection c = connection;
    if (c != null) {
      closeQuietly(c);
    }
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
