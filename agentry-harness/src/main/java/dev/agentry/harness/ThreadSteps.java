package dev.agentry.harness;

import dev.agentry.core.Cancellation;
import dev.agentry.core.Session;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the threads of one run (docs/decisions/0033): the session's runner and, in a coordinator
 * session, each member thread's runner take their steps on a virtual thread of their own (its
 * turn's span is current there), so two members' model requests and tool calls overlap in time,
 * while their journals serialise the commits ({@link Journal#forThread}). A thread whose step found
 * nothing to do waits until the log changes (a commit of any thread, or an event from outside) and
 * looks again; the run ends when every thread has read the log as it is and found nothing to do. A
 * member whose turn would start waits while {@link Threads#MAX_ACTIVE} others are mid-turn ({@link
 * Threads#due}).
 *
 * <p>When the database becomes unreachable during a step, no new step starts; those in flight end
 * (each fails at its next read or write, or finishes), and the run waits for the database, then
 * goes on from the log. Any other failure of a step stops every thread's work (their in-flight
 * requests and calls are cancelled) and ends the run with it, once no step is in flight.
 */
final class ThreadSteps {
  private static final Logger LOG = LoggerFactory.getLogger(ThreadSteps.class);

  /** The longest pause between two looks at an unreachable database. */
  private static final Duration OUTAGE_POLL_MAX = Duration.ofSeconds(2);

  private static final java.util.concurrent.ThreadFactory LANE =
      Thread.ofVirtual().name("agentry-thread-", 0).factory();

  private final Runner session;
  private final BooleanSupplier stopping;

  /** Cancels what every thread's step is doing. */
  private final Runnable cancelAll;

  private final Object signal = new Object();

  /** How often the log changed this run (guarded by {@link #signal}). */
  private long changes;

  /** Steps that ended since the driver last looked (guarded by {@link #signal}). */
  private final List<Ended> ended = new ArrayList<>();

  /** A step's end: whether it did something, the changes it had seen, or what it threw. */
  private record Ended(Runner runner, boolean worked, long seen, RuntimeException failure) {}

  ThreadSteps(Runner session, BooleanSupplier stopping, Runnable cancelAll) {
    this.session = session;
    this.stopping = stopping;
    this.cancelAll = cancelAll;
  }

  /** The log changed: threads that found nothing to do look again. Any thread may call it. */
  void changed() {
    synchronized (signal) {
      changes++;
      signal.notifyAll();
    }
  }

  /**
   * Steps every thread until none has anything to do; throws what broke a step. Each thread's turn
   * span is closed on its own virtual thread before this returns.
   */
  void run() {
    Map<Runner, ExecutorService> lanes = new LinkedHashMap<>();
    try {
      drive(lanes);
    } finally {
      lanes.forEach((r, lane) -> lane.execute(r::closeSpan));
      lanes.values().forEach(ExecutorService::close);
    }
  }

  private void drive(Map<Runner, ExecutorService> lanes) {
    Map<Runner, Boolean> inFlight = new LinkedHashMap<>();
    Map<Runner, Long> idleAt = new HashMap<>(); // the changes a thread had seen finding nothing
    RuntimeException failure = null;
    boolean outage = false;
    while (true) {
      long seen = changesSeen();
      if (failure == null && !outage && !stopping.getAsBoolean()) {
        try {
          for (Runner r : due(inFlight)) {
            Long idle = idleAt.get(r);
            if (idle == null || idle != seen) {
              inFlight.put(r, Boolean.TRUE);
              lanes
                  .computeIfAbsent(r, k -> Executors.newSingleThreadExecutor(LANE))
                  .execute(() -> step(r));
            }
          }
        } catch (StoreException.Unavailable e) {
          outage = true; // reading which members are due
        } catch (RuntimeException e) {
          failure = e;
          cancelAll.run();
        }
      }
      if (inFlight.isEmpty()) {
        if (failure != null) {
          throw failure;
        }
        if (!outage || stopping.getAsBoolean()) {
          return; // every thread found the log as it is with nothing to do
        }
        outage = false;
        awaitDatabase();
        idleAt.clear(); // the log may have moved on meanwhile: every thread reads it again
        continue;
      }
      for (Ended e : awaitEnded(seen)) {
        inFlight.remove(e.runner());
        if (e.failure() instanceof StoreException.Unavailable u) {
          if (!outage) {
            LOG.warn("session {}: the database is unreachable; the run waits for it", id());
            LOG.debug("session {}: the failure", id(), u);
          }
          outage = true;
        } else if (e.failure() != null) {
          if (failure == null) {
            failure = e.failure();
            cancelAll.run(); // the run ends: no thread's work goes on without it
          }
        } else if (e.worked()) {
          idleAt.remove(e.runner());
        } else {
          idleAt.put(e.runner(), e.seen());
        }
      }
    }
  }

  /** The coordinator (or the one thread) first, then the members whose step may start now. */
  private List<Runner> due(Map<Runner, Boolean> inFlight) {
    List<Runner> out = new ArrayList<>();
    if (!inFlight.containsKey(session)) {
      out.add(session);
    }
    Threads threads = session.threads();
    if (threads != null) {
      threads.due(session.reader().entries(), inFlight::containsKey).stream()
          .filter(r -> !inFlight.containsKey(r))
          .forEach(out::add);
    }
    return out;
  }

  private void step(Runner r) {
    long seen = changesSeen();
    Ended end;
    try {
      end = new Ended(r, r.stepThread(), seen, null);
    } catch (RuntimeException e) {
      end = new Ended(r, false, seen, e);
    }
    synchronized (signal) {
      ended.add(end);
      signal.notifyAll();
    }
  }

  private long changesSeen() {
    synchronized (signal) {
      return changes;
    }
  }

  /** Waits until a step ends; a change alone wakes the driver too, to start the idle threads. */
  private List<Ended> awaitEnded(long seen) {
    synchronized (signal) {
      while (ended.isEmpty() && changes == seen) {
        try {
          signal.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("the run's driver was interrupted", e);
        }
      }
      List<Ended> out = List.copyOf(ended);
      ended.clear();
      return out;
    }
  }

  /**
   * An outage is weather, not an error, so the turn pauses rather than ends. What the steps
   * committed before is durable, what they failed to commit the journal settles first ({@link
   * Journal}), and the next steps read the log and go on from there, so no tool whose call is in
   * the log runs twice. The lease is renewed through the outage by its timer once the database is
   * back; a run that lost it meanwhile stops at its next write (stale fence) and the node's sweep
   * resumes it. Waits with growing pauses, then records in the log that the turn was rescheduled,
   * if one is open.
   */
  private void awaitDatabase() {
    Journal journal = session.journal();
    for (int attempt = 1; !stopping.getAsBoolean(); attempt++) {
      Cancellation c = session.newRunWait();
      Backoff.await(outagePause(attempt), c);
      try {
        journal.entries(); // settles what the outage left unsure
        Session s = journal.session().orElse(null);
        if (s != null && s.status() == SessionStatus.RUNNING) {
          journal
              .write(List.of(Events.rescheduled(session.now())))
              .moveTo(SessionStatus.RESCHEDULING)
              .commit();
        }
        LOG.info("session {}: the database answers again; the run goes on", id());
        return;
      } catch (StoreException.Unavailable again) {
        LOG.debug("session {}: the database is still unreachable", id());
      }
    }
  }

  private static Duration outagePause(int attempt) {
    long millis = Math.min(OUTAGE_POLL_MAX.toMillis(), 100L << Math.min(attempt, 5));
    return Duration.ofMillis(millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1));
  }

  private String id() {
    return session.sessionId();
  }
}
