package dev.agentry.harness;

import dev.agentry.core.Event;
import dev.agentry.core.EventCodec;
import dev.agentry.core.EventDraft;
import dev.agentry.core.LogEntry;
import dev.agentry.core.Roster;
import dev.agentry.core.Session;
import dev.agentry.core.SessionThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * The member threads of a coordinator session's run (docs/decisions/0033): one runner each, made as
 * the log names them, each stepping on its own virtual thread ({@link ThreadSteps}) under the
 * session's one lease, with its own journal over the one log. A thread whose turn has not started
 * waits while {@link #MAX_ACTIVE} others are mid-turn.
 */
final class Threads {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Threads.class);

  /** At most this many threads are mid-turn at once; more queue (cma-api.md §11). */
  static final int MAX_ACTIVE = 25;

  private final Roster roster;
  private final BiFunction<String, Roster.Member, Runner> newRunner;

  /** The member runners, by thread id; read by the store's thread to route interrupts. */
  private final Map<String, Runner> byId = new ConcurrentHashMap<>();

  private final List<Runner> runners = new CopyOnWriteArrayList<>();

  Threads(Roster roster, BiFunction<String, Roster.Member, Runner> newRunner) {
    this.roster = roster;
    this.newRunner = newRunner;
  }

  Roster roster() {
    return roster;
  }

  /**
   * The roster of a coordinator session, expanded at its creation; empty for any other session, and
   * for one created before rosters were expanded, which runs alone as it always did.
   */
  static Optional<Roster> rosterOf(Session session) {
    try {
      return Roster.of(session.agent());
    } catch (IllegalStateException notExpanded) {
      LOG.warn("session {}: its roster is not expanded; it runs without members", session.id());
      return Optional.empty();
    }
  }

  /**
   * Whether the coordinator waits for its members rather than stopping: one still works for it
   * (running, asking, or with mail), or a member's reply is queued for it. Read from the log as it
   * is now, not as the coordinator's step found it: a member may have replied meanwhile.
   */
  static boolean coordinatorWaits(List<LogEntry> log) {
    return log.stream().anyMatch(Threads::replyQueued)
        || SessionThreads.fold(log).values().stream().anyMatch(SessionThreads.Thread::busy);
  }

  private static boolean replyQueued(LogEntry e) {
    return e.processedAt() == null
        && e.event() instanceof Event.AgentThreadMessageReceived
        && e.tag() == null;
  }

  /**
   * The interrupts an interrupt of every thread queues for the busy members, in the coordinator's
   * commit: each member answers its own.
   */
  static List<EventDraft> interruptsForBusy(List<LogEntry> log) {
    return SessionThreads.fold(log).values().stream()
        .filter(SessionThreads.Thread::busy)
        .map(t -> EventCodec.draft(new Event.UserInterrupt(t.id), null))
        .toList();
  }

  /**
   * The member runners that may take a step now, in the order their threads were made, but those
   * {@code stepping} already: every one whose thread is mid-turn or has nothing to start, and those
   * whose turn would start (a message waits for them) while fewer than {@link #MAX_ACTIVE} are
   * mid-turn or starting (a step in flight may be starting its thread's turn).
   */
  List<Runner> due(List<LogEntry> log, Predicate<Runner> stepping) {
    Map<String, SessionThreads.Thread> known = SessionThreads.fold(log);
    for (SessionThreads.Thread t : known.values()) {
      if (!byId.containsKey(t.id)) {
        roster.member(t.agentName).ifPresent(m -> add(t.id, newRunner.apply(t.id, m)));
      }
    }
    long active = known.values().stream().filter(Threads::midTurn).count();
    for (Runner r : runners) {
      SessionThreads.Thread t = known.get(r.threadId());
      if (stepping.test(r) && t != null && starting(t)) {
        active++; // it may be starting its turn right now
      }
    }
    List<Runner> out = new ArrayList<>();
    for (Runner r : runners) {
      SessionThreads.Thread t = known.get(r.threadId());
      if (t == null || stepping.test(r)) {
        continue;
      }
      if (starting(t)) {
        if (active >= MAX_ACTIVE) {
          continue; // queued until a running thread stops
        }
        active++;
      }
      out.add(r);
    }
    return out;
  }

  private void add(String id, Runner r) {
    byId.put(id, r);
    runners.add(r);
  }

  /** Its turn would start: it is not mid-turn, and still works for the coordinator. */
  private static boolean starting(SessionThreads.Thread t) {
    return !midTurn(t) && t.busy();
  }

  private static boolean midTurn(SessionThreads.Thread t) {
    return t.status().equals("running") || t.status().equals("rescheduling");
  }

  /** The runner of member thread {@code id}, if this run made one. */
  Optional<Runner> runner(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** Every member runner this run made. */
  List<Runner> runners() {
    return List.copyOf(runners);
  }
}
