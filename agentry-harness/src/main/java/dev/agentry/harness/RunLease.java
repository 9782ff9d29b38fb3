package dev.agentry.harness;

import dev.agentry.core.SessionCommit;
import dev.agentry.core.SessionRepository.Lease;
import dev.agentry.core.SessionRepository.LeasedCommit;
import dev.agentry.core.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's lease on its session, which fences every write the run makes. When no one holds it, the
 * run does not take it up front: its first commit takes it ({@code commitTakingLease}), and is
 * refused if anyone took it after the run saw it free, so the run never acts on a log someone else
 * wrote to meanwhile. A run that finds nothing to do writes nothing and never holds it. When an
 * owner holds it (maybe a dead one whose lease has expired), it is taken before anything is read.
 * Once held, it is renewed on the timer and given back when the run ends.
 */
final class RunLease {
  private static final Logger LOG = LoggerFactory.getLogger(RunLease.class);

  /** The lease was taken by someone else after the run saw it free; the run wrote nothing. */
  static final class Taken extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Taken() {
      super("the lease was taken since the run saw it free", null, false, false);
    }
  }

  private final Store store;
  private final String sessionId;
  private final String owner;
  private final Clock clock;
  private final Duration ttl;
  private final ScheduledExecutorService timer;
  private final Runnable onLost;

  /** The token seen free, while the lease is not yet held. */
  private long freeToken;

  private volatile Lease lease;

  /** Whether the run has committed anything. */
  private volatile boolean wrote;

  private ScheduledFuture<?> renewal;

  RunLease(
      Store store,
      String sessionId,
      String owner,
      Clock clock,
      Duration ttl,
      ScheduledExecutorService timer,
      Runnable onLost) {
    this.store = store;
    this.sessionId = sessionId;
    this.owner = owner;
    this.clock = clock;
    this.ttl = ttl;
    this.timer = timer;
    this.onLost = onLost;
  }

  /** A lease this node's sweep has just claimed for the run, so that begin need not take it. */
  private Lease claimed;

  /** Hands the run a lease its node has claimed; ignored unless still live at {@link #begin}. */
  void claimed(Lease l) {
    claimed = l;
  }

  /** Before the run reads anything; false if another owner holds the lease. */
  boolean begin() {
    Lease c = claimed;
    // Fresh enough to last until the first renewal (a third of the TTL from now): no one else can
    // have taken it, and every write is fenced anyway. An older one is taken again below.
    if (c != null
        && c.owner().equals(owner)
        && c.expiresAt().isAfter(clock.instant().plus(ttl.multipliedBy(2).dividedBy(3)))) {
      held(c);
      return true;
    }
    OptionalLong free = store.sessions().freeLease(sessionId);
    if (free.isPresent()) {
      freeToken = free.getAsLong();
      return true;
    }
    Optional<Lease> taken = store.sessions().tryLease(sessionId, owner, clock.instant(), ttl);
    taken.ifPresent(this::held);
    return taken.isPresent();
  }

  /** Whether the run committed anything (it may have found nothing to do). */
  boolean wrote() {
    return wrote;
  }

  boolean held() {
    return lease != null;
  }

  /** The token of the lease the run holds (its fence); only while {@link #held}. */
  long token() {
    Lease l = lease;
    if (l == null) {
      throw new IllegalStateException("the run holds no lease on " + sessionId);
    }
    return l.token();
  }

  /**
   * Makes {@code commit} durable under the lease, taking it first if the run does not hold it yet.
   *
   * @throws Taken if someone took it since the run saw it free
   */
  SessionCommit.Result commit(SessionCommit commit) {
    wrote = true;
    Lease l = lease;
    if (l != null) {
      return store.sessions().commit(sessionId, l.token(), commit);
    }
    Optional<LeasedCommit> done =
        store
            .sessions()
            .commitTakingLease(sessionId, owner, freeToken, clock.instant(), ttl, commit);
    if (done.isEmpty()) {
      throw new Taken();
    }
    held(done.get().lease());
    return done.get().result();
  }

  /** The run ends: the lease, if held, is given back. */
  void release() {
    if (renewal != null) {
      renewal.cancel(false);
    }
    Lease l = lease;
    if (l == null) {
      return;
    }
    try {
      store.sessions().releaseLease(l);
    } catch (RuntimeException e) {
      LOG.debug("session {}: releasing the lease failed; it expires", sessionId, e);
    }
  }

  private void held(Lease l) {
    lease = l;
    long period = Math.max(10, ttl.toMillis() / 3);
    renewal = timer.scheduleAtFixedRate(this::renew, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Extends the lease while the run holds it: on the timer, so a tool call or a model stream that
   * takes many TTLs keeps it. Only this lease (owner and token) is extended; one given back or
   * taken since is never taken again from here.
   */
  private void renew() {
    try {
      Lease l = lease;
      if (store.sessions().renewLease(l, clock.instant(), ttl).isEmpty()) {
        onLost.run(); // our appends would be refused anyway; stop work in progress now
      }
    } catch (RuntimeException e) {
      LOG.warn("session {}: lease renewal failed", sessionId, e);
    }
  }
}
