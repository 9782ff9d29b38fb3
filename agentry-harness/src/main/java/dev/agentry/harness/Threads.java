package dev.agentry.harness;

import dev.agentry.core.LogEntry;
import dev.agentry.core.Roster;
import dev.agentry.core.SessionThreads;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The member threads of a coordinator session's run (docs/decisions/0033): one runner each, made as
 * the log names them, stepped in turn on the session's runner, under its one lease and journal. A
 * thread whose turn has not started waits while {@link #MAX_ACTIVE} others are mid-turn.
 */
final class Threads {
  /** At most this many threads are mid-turn at once; more queue (cma-api.md §11). */
  static final int MAX_ACTIVE = 25;

  private final Roster roster;
  private final BiFunction<String, Roster.Member, Runner> newRunner;
  private final Map<String, Runner> runners = new LinkedHashMap<>();
  private int next;

  Threads(Roster roster, BiFunction<String, Roster.Member, Runner> newRunner) {
    this.roster = roster;
    this.newRunner = newRunner;
  }

  Roster roster() {
    return roster;
  }

  /** Whether a member still works for the coordinator (running, asking, or with mail). */
  static boolean busy(List<LogEntry> log) {
    return SessionThreads.of(stored(log)).values().stream().anyMatch(SessionThreads.Thread::busy);
  }

  /** Takes one member thread's next step, in turn; false when none has one. */
  boolean step(List<LogEntry> log) {
    Map<String, SessionThreads.Thread> known = SessionThreads.of(stored(log));
    known
        .values()
        .forEach(
            t ->
                roster
                    .member(t.agentName)
                    .ifPresent(m -> runners.computeIfAbsent(t.id, id -> newRunner.apply(id, m))));
    long active =
        known.values().stream()
            .filter(t -> t.status().equals("running") || t.status().equals("rescheduling"))
            .count();
    List<String> ids = new ArrayList<>(runners.keySet());
    for (int k = 0; k < ids.size(); k++) {
      int i = (next + k) % ids.size();
      SessionThreads.Thread t = known.get(ids.get(i));
      boolean starting =
          t != null && !t.status().equals("running") && !t.status().equals("rescheduling");
      if (starting && active >= MAX_ACTIVE) {
        continue; // queued until a running thread stops
      }
      if (runners.get(ids.get(i)).stepThread()) {
        next = i + 1;
        return true;
      }
    }
    return false;
  }

  /** Ends the runners' spans when the run ends. */
  void close() {
    runners.values().forEach(Runner::closeSpan);
  }

  private static List<dev.agentry.core.StoredEvent> stored(List<LogEntry> log) {
    return log.stream().map(LogEntry::stored).toList();
  }
}
