package dev.agentry.harness;

import dev.agentry.core.EventDraft;
import dev.agentry.core.LogEntry;
import dev.agentry.core.ModelUsage;
import dev.agentry.core.Session;
import dev.agentry.core.SessionCommit;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.Store;
import dev.agentry.core.StoredEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * A run's reads and writes of its session. Writes are fenced by the run's lease, and each is one
 * transaction: the events a step produces, the status or usage change they imply, the {@code
 * session.usage} event that follows a usage change, and the queued events the step takes. Reads
 * return the whole log, but fetch only what was appended since the last read: the lease makes this
 * run the only writer of {@code processed_at}, and it learns its own marks from its commits. The
 * first commit may take the lease ({@link RunLease}).
 *
 * <p>A write that nothing acts on yet may be {@linkplain Write#defer deferred}: it joins the next
 * commit (in front), and reads show it as if committed. The runner {@linkplain #flush flushes}
 * before each side effect (a tool call), so what a side effect follows is durable before it, as if
 * committed alone; the model request commits its span with it {@linkplain Write#commitAhead while
 * the request is in flight}, and acts on the response only once that commit is durable. A crash
 * before then loses only events no one was told of (a queued event stays queued; a tool's result is
 * unknown, as after a crash mid-tool; the request is issued again). A foreign append (a user's
 * event) flushes it at the next read, so the log's order is what the run saw.
 *
 * <p>The threads of a multi-agent session step at once (docs/decisions/0033), each through its own
 * journal {@linkplain #forThread made for it}: its writes tagged with its thread, its own deferred
 * write and reads. They share the one copy of the log, the session record and the lease, and every
 * read and commit holds the one lock, so commits are serialised while the steps overlap.
 */
final class Journal {
  /** Where {@link Write#commitAhead} waits for its commit, one virtual thread each. */
  private static final ExecutorService AHEAD = Executors.newVirtualThreadPerTaskExecutor();

  private final Store store;
  private final String sessionId;
  private final Clock clock;
  private final SessionLedger ledger;
  private final SpendLimits limits;
  private final RunLease lease;

  /** The copy of the log, the record and the lock this run's journals share. */
  private final RunLog run;

  /** The log as far as this run has read it: {@link RunLog#log}. */
  private final List<LogEntry> log;

  /** This journal's deferred write, or null. */
  private Write pending;

  /** The log's length when {@link #pending} was deferred: a longer log means others wrote since. */
  private int pendingAt;

  /** How many events of this journal's last read were committed. */
  private int lastCommitted;

  /** The thread whose writes these are (docs/decisions/0033); null in a one-agent session. */
  private ThreadScope scope;

  Journal(Store store, String sessionId, Clock clock, SpendLimits limits, RunLease lease) {
    this.store = store;
    this.sessionId = sessionId;
    this.clock = clock;
    this.ledger = new SessionLedger(clock);
    this.limits = limits;
    this.lease = lease;
    this.run = new RunLog(store, sessionId, lease);
    this.log = run.log;
  }

  /** The journal of another thread of the same run: the same log, lease and lock. */
  private Journal(Journal other, ThreadScope scope) {
    this.store = other.store;
    this.sessionId = other.sessionId;
    this.clock = other.clock;
    this.ledger = other.ledger;
    this.limits = other.limits;
    this.lease = other.lease;
    this.run = other.run;
    this.log = other.log;
    this.scope = scope;
  }

  /**
   * A journal for thread {@code s} of this run, writing tagged with its id ({@link ThreadScope}).
   */
  Journal forThread(ThreadScope s) {
    return new Journal(this, s);
  }

  /** {@code r} runs after each commit of any of this run's journals. */
  void onCommit(Runnable r) {
    run.onCommit(r);
  }

  private <T> T locked(Supplier<T> body) {
    return run.locked(body);
  }

  /** The whole log, read up to its current end, with the deferred write as if committed. */
  List<StoredEvent> read() {
    return entries().stream().map(LogEntry::stored).toList();
  }

  /** As {@link #read}, each event with its payload read (once per run). */
  List<LogEntry> entries() {
    return locked(this::readLocked);
  }

  private List<LogEntry> readLocked() {
    run.settle();
    while (true) {
      List<StoredEvent> page = run.nextPage();
      if (!page.isEmpty() && pending != null) {
        flush(); // someone else appended: ours go first, then read on from where the log is
        continue;
      }
      page.forEach(run::keep);
      if (!page.isEmpty()) {
        run.record = null; // someone else wrote: the record may have changed (session.updated)
      }
      if (page.size() < RunLog.PAGE) {
        if (pending != null && pendingAt != log.size()) {
          flush(); // another thread of the run committed since: ours follow what it wrote
        }
        lastCommitted = log.size();
        return pending == null ? List.copyOf(log) : pending.seenAfter(log);
      }
    }
  }

  /**
   * How many events of this journal's last {@link #read} are committed (the rest are its deferred
   * write's).
   */
  int committed() {
    return lastCommitted;
  }

  /** How many events of the log this run knows are committed, by any of its threads. */
  int durable() {
    return locked(log::size);
  }

  /**
   * The session record: as this run's commits left it, read again only at the run's first step and
   * after someone else appended to the log (outside changes of the record, such as {@code
   * session.updated}, come with an event). Empty once the session is deleted.
   */
  Optional<Session> session() {
    return locked(
        () -> {
          if (run.record == null) {
            run.record = store.sessions().find(sessionId).orElse(null);
          }
          return Optional.ofNullable(run.record);
        });
  }

  /**
   * Before a side effect (a tool call, an MCP connection): what it follows is durable, and the run
   * holds the lease, so no other run acts on the session meanwhile.
   */
  void beforeSideEffect() {
    locked(
        () -> {
          flush();
          if (!lease.held()) {
            lease.commit(SessionCommit.of(List.of()));
          }
          return null;
        });
  }

  /** Whether this run committed the event {@code id} (settled ones included). */
  boolean wrote(String id) {
    return locked(() -> run.written.contains(id));
  }

  /** Commits this journal's deferred write, if any. */
  void flush() {
    locked(
        () -> {
          if (pending != null) {
            Write w = pending;
            pending = null;
            w.commit();
          }
          return null;
        });
  }

  /** Appends {@code drafts} on their own. */
  List<StoredEvent> append(List<EventDraft> drafts) {
    return write(drafts).commit();
  }

  /** A write of {@code drafts}, to add to before its {@link Write#commit}. */
  Write write(List<EventDraft> drafts) {
    return new Write(SessionCommit.of(tagged(drafts)));
  }

  /**
   * The writes that follow are thread {@code s}'s: tagged with its id ({@link ThreadScope}). Set
   * once, when the run learns its session has threads.
   */
  void scope(ThreadScope s) {
    scope = s;
  }

  private List<EventDraft> tagged(List<EventDraft> drafts) {
    return scope == null ? drafts : scope.tag(drafts);
  }

  /** One transaction's worth of writes. */
  final class Write {
    private SessionCommit commit;

    private Write(SessionCommit commit) {
      this.commit = commit;
    }

    /** The session moves to {@code status} with the events. */
    Write moveTo(SessionStatus status) {
      SessionStatus to = scope == null ? status : scope.sessionStatus(status);
      if (to == null) {
        return this; // a member's stop: the session runs on while its coordinator waits
      }
      commit = commit.andChange(ledger.moveTo(to));
      return this;
    }

    /**
     * A model request's usage is added to the session's (a member thread's under its own model),
     * and a {@code session.usage} follows.
     */
    Write usage(ModelUsage usage) {
      commit =
          commit
              .andChange(ledger.addUsage(usage, scope == null ? null : scope.ownModel()))
              .andDerived(s -> List.of(Spend.usageEvent(s, limits, clock.instant())));
      return this;
    }

    /**
     * One call of server tool {@code name} (web_search or web_fetch) is counted in the session's
     * usage; the next {@code session.usage} shows it.
     */
    Write serverToolUse(String name) {
      commit = commit.andChange(ledger.countServerTool(name));
      return this;
    }

    /** {@code drafts} are appended after the other events, the derived ones included. */
    Write then(List<EventDraft> drafts) {
      List<EventDraft> mine = tagged(drafts);
      commit = commit.andDerived(s -> mine);
      return this;
    }

    /** The queued events are marked processed with the events. */
    Write processed(Collection<StoredEvent> queued) {
      if (!queued.isEmpty()) {
        commit =
            commit.andProcessed(queued.stream().map(StoredEvent::id).toList(), clock.instant());
      }
      return this;
    }

    /**
     * Holds the write back to join the next commit. Only a write without derived events can wait
     * (they would land after the next write's own events), and only one at a time.
     */
    void defer() {
      if (commit.derived() != SessionCommit.NO_EVENTS) {
        throw new IllegalStateException("a write with derived events cannot wait");
      }
      locked(
          () -> {
            flush();
            pending = this;
            pendingAt = log.size();
            return null;
          });
    }

    /** The log as a read shows it while this write waits: its events appended, its marks set. */
    private List<LogEntry> seenAfter(List<LogEntry> committed) {
      List<LogEntry> view = new ArrayList<>(committed);
      java.util.Set<String> marked = new java.util.HashSet<>(commit.processed());
      view.replaceAll(
          e ->
              e.processedAt() == null && marked.contains(e.id())
                  ? e.withStored(e.stored().withProcessedAt(commit.processedAt()))
                  : e);
      java.time.Instant now = clock.instant();
      for (EventDraft d : commit.events()) {
        view.add(
            run.shown(
                new StoredEvent(
                    sessionId,
                    view.size() + 1,
                    d.id(),
                    d.type(),
                    d.payload(),
                    now,
                    d.processedAt())));
      }
      return view;
    }

    /** Makes it all durable at once (after a deferred write); returns the appended events. */
    List<StoredEvent> commit() {
      return locked(() -> commit(prepare()));
    }

    /** Commits {@code p}, holding the lock; what the database may have made is left to settle. */
    private List<StoredEvent> commit(Prepared p) {
      return p.apply(run.commit(p.all));
    }

    /**
     * Starts this commit on another thread and returns at once, so that the caller's next wait (a
     * model request) overlaps the commit's fsync. Nothing may be journalled, and nothing acted on
     * that needs it durable, until {@link Ahead#join}; a run whose lease is not yet held commits
     * here and now (its first commit may be refused, and nothing may start before it is taken).
     */
    Ahead commitAhead() {
      return locked(
          () -> {
            Prepared p = prepare();
            if (!lease.held() || run.unsettled()) {
              // settled and committed here and now, as by commit(), outage handling included
              return new Ahead(commit(p));
            }
            // Committed and taken in under the lock, so the run's copy of the log and record
            // follow the order the commits were made in, whichever thread's they are.
            return new Ahead(CompletableFuture.supplyAsync(() -> locked(() -> commit(p)), AHEAD));
          });
    }

    private Prepared prepare() {
      if (pending == this) {
        pending = null;
      }
      SessionCommit all = commit;
      int theirs = 0;
      if (pending != null && pending != this) {
        all = thenIn(pending.commit, commit);
        theirs = pending.commit.events().size();
        pending = null;
      }
      java.util.concurrent.atomic.AtomicReference<Session> changed =
          new java.util.concurrent.atomic.AtomicReference<>();
      if (all.change() != SessionCommit.NO_CHANGE) {
        all = all.andDerived(s -> learn(changed, s)); // the record as the transaction left it
      }
      return new Prepared(all, theirs, changed);
    }
  }

  /** A commit ready to go: everything it writes, and how to take in its result. */
  private final class Prepared {
    final SessionCommit all;
    private final int theirs;
    private final java.util.concurrent.atomic.AtomicReference<Session> changed;

    Prepared(
        SessionCommit all,
        int theirs,
        java.util.concurrent.atomic.AtomicReference<Session> changed) {
      this.all = all;
      this.theirs = theirs;
      this.changed = changed;
    }

    /** The run's copy of the log and record take in the commit; returns the write's own events. */
    List<StoredEvent> apply(SessionCommit.Result r) {
      run.took(all, r, changed.get());
      return r.appended().subList(theirs, r.appended().size());
    }
  }

  /** A commit started by {@link Write#commitAhead}. */
  final class Ahead {
    private final CompletableFuture<List<StoredEvent>> result;
    private final List<StoredEvent> committed; // when it was committed at once

    private Ahead(CompletableFuture<List<StoredEvent>> result) {
      this.result = result;
      this.committed = null;
    }

    private Ahead(List<StoredEvent> committed) {
      this.result = null;
      this.committed = committed;
    }

    /**
     * Waits until the commit is durable and returns the write's own events; throws what {@link
     * Write#commit} would have thrown (a stale fence, a deleted session).
     */
    List<StoredEvent> join() {
      if (committed != null) {
        return committed;
      }
      try {
        return result.join(); // an unsure commit is settled before the run's next read or write
      } catch (CompletionException e) {
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        if (e.getCause() instanceof Error err) {
          throw err;
        }
        throw e;
      }
    }
  }

  private static List<EventDraft> learn(
      java.util.concurrent.atomic.AtomicReference<Session> into, Session changed) {
    into.set(changed);
    return List.of();
  }

  /** The deferred write's commit with {@code next}'s after it, as one. */
  private SessionCommit thenIn(SessionCommit first, SessionCommit next) {
    List<EventDraft> events = new ArrayList<>(first.events());
    events.addAll(next.events());
    SessionCommit both =
        new SessionCommit(
            events, first.change(), next.derived(), first.processed(), first.processedAt());
    if (next.change() != SessionCommit.NO_CHANGE) {
      both = both.andChange(next.change());
    }
    return next.processed().isEmpty()
        ? both
        : both.andProcessed(next.processed(), next.processedAt());
  }
}
