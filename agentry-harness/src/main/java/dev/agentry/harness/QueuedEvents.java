package dev.agentry.harness;

import dev.agentry.core.Event;
import dev.agentry.core.EventDraft;
import dev.agentry.core.LogEntry;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.StoredEvent;
import java.time.Clock;
import java.util.List;

/**
 * How one thread's step takes the events queued for it (moved out of {@link Runner}): a user's or a
 * member's messages start or join its turn; an interrupt ends it, and one for every thread, taken
 * by the coordinator, queues an interrupt for each busy member in the same commit
 * (docs/decisions/0033).
 */
final class QueuedEvents {
  private final Journal journal;
  private final Clock clock;
  private final Outcomes outcomes;

  QueuedEvents(Journal journal, Clock clock, Outcomes outcomes) {
    this.journal = journal;
    this.clock = clock;
    this.outcomes = outcomes;
  }

  /** Marks the queued messages taken, and the turn running if it was not. */
  void take(LogState s) {
    // Deferred to the next commit (the model request's span, usually): a run that dies before it
    // leaves the events queued, not lost.
    List<StoredEvent> queued = stored(s.queuedOthers);
    if (s.turnOpen()) {
      journal.write(List.of()).processed(queued).defer();
    } else {
      journal
          .write(List.of(Events.running(clock.instant())))
          .moveTo(SessionStatus.RUNNING)
          .processed(queued)
          .defer();
    }
  }

  /**
   * Answers the queued interrupts: open calls get their interrupted results and an active turn
   * ends. {@code coordinator}: the thread has members to stop too; {@code scope}: the thread's,
   * null in a session without threads.
   */
  void interrupt(LogState s, boolean coordinator, ThreadScope scope) {
    List<EventDraft> drafts = s.interruptAnswers(clock.instant());
    outcomes.interrupted(s).ifPresent(drafts::add);
    boolean active = s.turnOpen() || s.blockedOnAction();
    if (active) {
      drafts.add(Events.idle("end_turn", clock.instant()));
    }
    if (coordinator && s.queuedInterrupts.stream().anyMatch(QueuedEvents::forEveryThread)) {
      // Each busy member answers its own interrupt, queued for it in this commit.
      drafts.addAll(Threads.interruptsForBusy(journal.entries()));
    }
    Runnable write =
        () -> {
          Journal.Write w = journal.write(drafts).processed(stored(s.queuedInterrupts));
          (active ? w.moveTo(SessionStatus.IDLE) : w).commit();
        };
    if (scope != null && !scope.primary()) {
      scope.quietly(write); // the coordinator was interrupted, or stopped this member: no reply
    } else {
      write.run();
    }
  }

  private static boolean forEveryThread(LogEntry interrupt) {
    return ((Event.UserInterrupt) interrupt.event()).sessionThreadId() == null;
  }

  private static List<StoredEvent> stored(List<LogEntry> entries) {
    return entries.stream().map(LogEntry::stored).toList();
  }
}
