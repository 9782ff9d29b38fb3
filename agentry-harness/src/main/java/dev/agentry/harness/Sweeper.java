package dev.agentry.harness;

import dev.agentry.core.SessionRepository;
import dev.agentry.core.SessionRepository.Lease;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's search for work no one is doing: sessions running, rescheduling or with queued events
 * whose lease is free, expired (their node died), or this node's own (it died and came back). It
 * claims as many as the node has free slots, leaving the rest to other nodes, and starts a runner
 * for each. Without it, a dead node's sessions would wait for a client to call, or for the dead
 * node to return.
 */
final class Sweeper {
  private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);

  /** The node the sweeper feeds. */
  interface Node {
    /** Runner slots free now. */
    int freeSlots();

    /**
     * Sessions not to claim: those this node runs or is about to (never claimed again under its
     * feet), and those whose last claim found nothing to do (see {@link Harness}'s parking).
     */
    Set<String> skip();

    /** Starts a runner for a session whose lease this node has just claimed. */
    void start(Lease lease);
  }

  private final SessionRepository sessions;
  private final String owner;
  private final Clock clock;
  private final Duration ttl;
  private final Duration every;
  private final ScheduledExecutorService timer;
  private final Node node;
  private final AtomicBoolean queued = new AtomicBoolean();
  private final AtomicBoolean nudged = new AtomicBoolean();
  private final AtomicLong claims = new AtomicLong();
  private final AtomicLong takeovers = new AtomicLong();
  private final AtomicLong sweeps = new AtomicLong();

  /** The last sweep filled every free slot: there may be more work as soon as a slot frees. */
  private volatile boolean saturated;

  Sweeper(
      SessionRepository sessions,
      String owner,
      Clock clock,
      Duration ttl,
      Duration every,
      ScheduledExecutorService timer,
      Node node) {
    this.sessions = sessions;
    this.owner = owner;
    this.clock = clock;
    this.ttl = ttl;
    this.every = every;
    this.timer = timer;
    this.node = node;
  }

  /** Sweeps now, then every interval until the timer shuts down. */
  void start() {
    sweepSoon();
    timer.scheduleWithFixedDelay(
        this::sweepSoon, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A slot came free: if the last sweep left work behind, look again now rather than later. */
  void slotFreed() {
    if (saturated) {
      sweepSoon();
    }
  }

  /**
   * Another node committed a queued event to a session this node does not run: sweep once {@code
   * grace} has passed. The node that took the event usually runs the session itself (its workspace
   * is there), so the others give it that long to take the lease; if it cannot (it is full, or it
   * died), the sweep claims the session then. Nudges meanwhile make no extra sweep.
   */
  void nudge(Duration grace) {
    if (nudged.compareAndSet(false, true)) {
      try {
        timer.schedule(
            () -> {
              nudged.set(false);
              sweepSoon();
            },
            grace.toMillis(),
            TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        nudged.set(false); // shutting down
      }
    }
  }

  /** Sweeps made since the start, whether they claimed anything or not. */
  long sweeps() {
    return sweeps.get();
  }

  /** Sessions claimed by this node's sweeps since it started. */
  long claims() {
    return claims.get();
  }

  /**
   * Of the {@link #claims}, those that took a session from another node's lost lease (it died, or
   * stalled past its TTL); a restart's own leases and sessions nobody held are not takeovers.
   */
  long takeovers() {
    return takeovers.get();
  }

  /** At most one sweep queued or running at a time: a burst of freed slots makes one sweep. */
  private void sweepSoon() {
    if (queued.compareAndSet(false, true)) {
      try {
        timer.execute(this::sweep);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        queued.set(false); // shutting down
      }
    }
  }

  private void sweep() {
    queued.set(false);
    sweeps.incrementAndGet();
    int free = node.freeSlots();
    if (free <= 0) {
      saturated = true;
      return;
    }
    List<Lease> claimed;
    try {
      claimed = sessions.claimRunnable(owner, clock.instant(), ttl, free, node.skip());
    } catch (dev.agentry.core.StoreException.Unavailable e) {
      // An outage: every sweep meanwhile would log the same stack.
      LOG.warn("sweeping for sessions to run: {}; the next sweep tries again", e.getMessage());
      return;
    } catch (RuntimeException e) {
      LOG.warn("sweeping for sessions to run failed; the next sweep tries again", e);
      return;
    }
    saturated = claimed.size() >= free;
    if (!claimed.isEmpty()) {
      long before = claims.getAndAdd(claimed.size());
      takeovers.addAndGet(claimed.stream().filter(Lease::tookOver).count());
      if (before == 0) {
        // The first claims after a start: what a restart took back, or a new node took over.
        LOG.info("claimed {} sessions to run (first sweep with work)", claimed.size());
      } else {
        LOG.debug("claimed {} sessions to run", claimed.size());
      }
      claimed.forEach(node::start);
    }
  }
}
