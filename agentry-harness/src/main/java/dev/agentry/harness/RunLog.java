package dev.agentry.harness;

import dev.agentry.core.LogEntry;
import dev.agentry.core.Session;
import dev.agentry.core.SessionCommit;
import dev.agentry.core.Store;
import dev.agentry.core.StoreException;
import dev.agentry.core.StoredEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * What the journals of one run's threads share (moved out of {@link Journal}): the copy of the
 * session's log as far as the run has read it, the session record as its last commit left it, the
 * ids it committed, and the commits an outage left unsure; all of it under one lock, which every
 * read and commit holds, so the threads' commits are made one at a time, under the run's lease.
 */
final class RunLog {
  static final int PAGE = 1000;

  private final Store store;
  private final String sessionId;
  private final RunLease lease;
  private final ReentrantLock lock = new ReentrantLock();

  /**
   * The waiting writes' events as reads have shown them, by id (an event's reading depends on its
   * type and payload only; a committed one takes it only when both are the same).
   */
  private final java.util.Map<String, LogEntry> shown = new java.util.HashMap<>();

  /**
   * The log as far as this run has read it, each payload read once: seq {@code i + 1} at {@code i}.
   */
  final List<LogEntry> log = new ArrayList<>();

  /** The ids of the events this run committed. */
  final Set<String> written = new HashSet<>();

  /** The session record as this run's last commit left it, or null: read it. */
  Session record;

  /**
   * Commits the database may or may not have made (it became unreachable meanwhile), oldest first.
   * They are settled before anything else is read or written: each kept if its first event is in
   * the log, else committed again. So a tool's result is never lost to an outage (and its tool
   * never run again), and nothing is committed twice.
   */
  private final List<Unsure> unsure = new ArrayList<>();

  /** Told after each commit (the threads' stepping wakes the threads that wait). */
  private Runnable onCommit = () -> {};

  /** A commit of unknown outcome, and the log's length before it: it can only have landed after. */
  private record Unsure(SessionCommit commit, int from) {}

  RunLog(Store store, String sessionId, RunLease lease) {
    this.store = store;
    this.sessionId = sessionId;
    this.lease = lease;
  }

  void onCommit(Runnable r) {
    onCommit = r;
  }

  <T> T locked(Supplier<T> body) {
    lock.lock();
    try {
      return body.get();
    } finally {
      lock.unlock();
    }
  }

  /** The next page of events after those read (the lock held). */
  List<StoredEvent> nextPage() {
    return store.events().readAfter(sessionId, log.size(), PAGE);
  }

  /** Whether a commit of unknown outcome waits to be settled. */
  boolean unsettled() {
    return !unsure.isEmpty();
  }

  /**
   * Commits {@code all} under the lease (the lock held), after settling what an outage left; a
   * commit the database may have made is left to settle.
   */
  SessionCommit.Result commit(SessionCommit all) {
    settle();
    int from = log.size();
    try {
      return lease.commit(all);
    } catch (StoreException.Unavailable e) {
      unsure.add(new Unsure(all, from));
      throw e;
    }
  }

  /** The copy of the log and the record take in a commit of this run; others are told of it. */
  void took(SessionCommit all, SessionCommit.Result r, Session changed) {
    all.events().forEach(d -> written.add(d.id()));
    if (changed != null) {
      record = changed;
    }
    r.appended().forEach(this::keep);
    r.processed().forEach(this::keep);
    onCommit.run();
  }

  /** Settles the {@link #unsure} commits, if any; throws if the database is still away. */
  void settle() {
    while (!unsure.isEmpty()) {
      settle(unsure.getFirst());
      unsure.removeFirst();
    }
  }

  private void settle(Unsure u) {
    SessionCommit commit = u.commit();
    record = null; // the commit may have changed it, and it is not known how
    if (!commit.events().isEmpty()) {
      String first = commit.events().getFirst().id();
      while (true) {
        List<StoredEvent> page = nextPage();
        page.forEach(this::keep);
        if (page.size() < PAGE) {
          break;
        }
      }
      boolean landed = false;
      for (int i = u.from(); i < log.size() && !landed; i++) {
        landed = log.get(i).id().equals(first);
      }
      if (landed) {
        commit.events().forEach(d -> written.add(d.id()));
        markProcessed(commit); // its marks landed with its events; reads do not fetch them again
        return;
      }
    }
    SessionCommit.Result r = lease.commit(commit); // throws again while the database is away
    commit.events().forEach(d -> written.add(d.id()));
    r.appended().forEach(this::keep);
    r.processed().forEach(this::keep);
  }

  private void markProcessed(SessionCommit landed) {
    Set<String> marked = new HashSet<>(landed.processed());
    log.replaceAll(
        e ->
            e.processedAt() == null && marked.contains(e.id())
                ? e.withStored(e.stored().withProcessedAt(landed.processedAt()))
                : e);
  }

  /**
   * A deferred write's event as reads show it while it waits (the lock held): read once, and kept
   * by id so that its commit takes this reading instead of reading the payload again.
   */
  LogEntry shown(StoredEvent e) {
    return shown.computeIfAbsent(e.id(), id -> LogEntry.of(e)).withStored(e);
  }

  /** Adds the next event to the copy of the log, or replaces one whose processed_at was set. */
  void keep(StoredEvent e) {
    if (e.seq() == log.size() + 1) {
      LogEntry known = shown.remove(e.id());
      log.add(
          known != null
                  && known.type().equals(e.type())
                  && known.stored().payload().equals(e.payload())
              ? known.withStored(e)
              : LogEntry.of(e));
    } else if (e.seq() <= log.size()) {
      int i = (int) e.seq() - 1;
      log.set(i, log.get(i).withStored(e)); // only processed_at changes: not read again
    }
    // Past the end (another writer appended in between): the next read fetches the gap and it.
  }
}
