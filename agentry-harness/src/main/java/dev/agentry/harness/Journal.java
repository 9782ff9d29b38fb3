package dev.agentry.harness;

import dev.agentry.core.EventDraft;
import dev.agentry.core.LogEntry;
import dev.agentry.core.ModelUsage;
import dev.agentry.core.Session;
import dev.agentry.core.SessionCommit;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.Store;
import dev.agentry.core.StoreException;
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
 */
final class Journal {
  private static final int PAGE = 1000;

  /** Where {@link Write#commitAhead} waits for its commit, one virtual thread each. */
  private static final ExecutorService AHEAD = Executors.newVirtualThreadPerTaskExecutor();

  private final Store store;
  private final String sessionId;
  private final Clock clock;
  private final SessionLedger ledger;
  private final SpendLimits limits;
  private final RunLease lease;

  /**
   * The log as far as this run has read it, each payload read once: seq {@code i + 1} at {@code i}.
   */
  private final List<LogEntry> log = new ArrayList<>();

  /** The deferred write, or null. */
  private Write pending;

  /**
   * A commit the database may or may not have made (it became unreachable meanwhile), or null. It
   * is settled before anything else is read or written: kept if its first event is in the log, else
   * committed again. So a tool's result is never lost to an outage (and its tool never run again),
   * and nothing is committed twice.
   */
  private SessionCommit unsure;

  /** The ids of the events this run committed. */
  private final java.util.Set<String> written = new java.util.HashSet<>();

  /** The thread whose step writes now (docs/decisions/0033); null in a one-agent session. */
  private ThreadScope scope;

  /** The session record as this run's last commit left it, or null: read it. */
  private Session record;

  /**
   * The deferred write's events as reads have shown them, by id: each payload is read once while it
   * waits and not again when it is committed (an event's reading depends on its type and payload
   * only, and a committed one is taken only if both are the same).
   */
  private final java.util.Map<String, LogEntry> shown = new java.util.HashMap<>();

  Journal(Store store, String sessionId, Clock clock, SpendLimits limits, RunLease lease) {
    this.store = store;
    this.sessionId = sessionId;
    this.clock = clock;
    this.ledger = new SessionLedger(clock);
    this.limits = limits;
    this.lease = lease;
  }

  /** The whole log, read up to its current end, with the deferred write as if committed. */
  List<StoredEvent> read() {
    return entries().stream().map(LogEntry::stored).toList();
  }

  /** As {@link #read}, each event with its payload read (once per run). */
  List<LogEntry> entries() {
    settle();
    while (true) {
      List<StoredEvent> page = store.events().readAfter(sessionId, log.size(), PAGE);
      if (!page.isEmpty() && pending != null) {
        flush(); // someone else appended: ours go first, then read on from where the log is
        continue;
      }
      page.forEach(this::keep);
      if (!page.isEmpty()) {
        record = null; // someone else wrote: the record may have changed too (session.updated)
      }
      if (page.size() < PAGE) {
        return pending == null ? List.copyOf(log) : pending.seenAfter(log);
      }
    }
  }

  /**
   * How many events of the last {@link #read} are committed (the rest are the deferred write's).
   */
  int committed() {
    return log.size();
  }

  /**
   * The session record: as this run's commits left it, read again only at the run's first step and
   * after someone else appended to the log (outside changes of the record, such as {@code
   * session.updated}, come with an event). Empty once the session is deleted.
   */
  Optional<Session> session() {
    if (record == null) {
      record = store.sessions().find(sessionId).orElse(null);
    }
    return Optional.ofNullable(record);
  }

  /**
   * Before a side effect (a tool call, an MCP connection): what it follows is durable, and the run
   * holds the lease, so no other run acts on the session meanwhile.
   */
  void beforeSideEffect() {
    flush();
    if (!lease.held()) {
      lease.commit(SessionCommit.of(List.of()));
    }
  }

  /** Whether this run committed the event {@code id} (settled ones included). */
  boolean wrote(String id) {
    return written.contains(id);
  }

  /** Commits the deferred write, if any. */
  void flush() {
    if (pending != null) {
      Write w = pending;
      pending = null;
      w.commit();
    }
  }

  /** Appends {@code drafts} on their own. */
  List<StoredEvent> append(List<EventDraft> drafts) {
    return write(drafts).commit();
  }

  /** A write of {@code drafts}, to add to before its {@link Write#commit}. */
  Write write(List<EventDraft> drafts) {
    return new Write(SessionCommit.of(tagged(drafts)));
  }

  /** The writes that follow are thread {@code s}'s: tagged with its id ({@link ThreadScope}). */
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

    /** A model request's usage is added to the session's, and a {@code session.usage} follows. */
    Write usage(ModelUsage usage) {
      commit =
          commit
              .andChange(ledger.addUsage(usage))
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
      flush();
      pending = this;
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
        StoredEvent e =
            new StoredEvent(
                sessionId, view.size() + 1, d.id(), d.type(), d.payload(), now, d.processedAt());
        LogEntry known = shown.get(d.id());
        if (known == null) {
          known = LogEntry.of(e);
          shown.put(d.id(), known);
        }
        view.add(known.withStored(e));
      }
      return view;
    }

    /** Makes it all durable at once (after a deferred write); returns the appended events. */
    List<StoredEvent> commit() {
      return commit(prepare());
    }

    private List<StoredEvent> commit(Prepared p) {
      settle();
      SessionCommit.Result r;
      try {
        r = lease.commit(p.all);
      } catch (StoreException.Unavailable e) {
        unsure = p.all;
        throw e;
      }
      return p.apply(r);
    }

    /**
     * Starts this commit on another thread and returns at once, so that the caller's next wait (a
     * model request) overlaps the commit's fsync. Nothing may be journalled, and nothing acted on
     * that needs it durable, until {@link Ahead#join}; a run whose lease is not yet held commits
     * here and now (its first commit may be refused, and nothing may start before it is taken).
     */
    Ahead commitAhead() {
      Prepared p = prepare();
      if (!lease.held() || unsure != null) {
        // settled and committed here and now, as by commit(), outage handling included
        List<StoredEvent> mine = commit(p);
        return new Ahead(mine);
      }
      return new Ahead(p, CompletableFuture.supplyAsync(() -> lease.commit(p.all), AHEAD));
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
      Session[] changed = {null};
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
    private final Session[] changed;

    Prepared(SessionCommit all, int theirs, Session[] changed) {
      this.all = all;
      this.theirs = theirs;
      this.changed = changed;
    }

    /** The run's copy of the log and record take in the commit; returns the write's own events. */
    List<StoredEvent> apply(SessionCommit.Result r) {
      all.events().forEach(d -> written.add(d.id()));
      if (changed[0] != null) {
        record = changed[0];
      }
      r.appended().forEach(Journal.this::keep);
      r.processed().forEach(Journal.this::keep);
      return r.appended().subList(theirs, r.appended().size());
    }
  }

  /** A commit started by {@link Write#commitAhead}. */
  final class Ahead {
    private final Prepared prepared;
    private final CompletableFuture<SessionCommit.Result> result;
    private final List<StoredEvent> committed; // when it was committed at once

    private Ahead(Prepared prepared, CompletableFuture<SessionCommit.Result> result) {
      this.prepared = prepared;
      this.result = result;
      this.committed = null;
    }

    private Ahead(List<StoredEvent> committed) {
      this.prepared = null;
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
      SessionCommit.Result r;
      try {
        r = result.join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof StoreException.Unavailable u) {
          unsure = prepared.all; // settled before the run's next read or write
          throw u;
        }
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        if (e.getCause() instanceof Error err) {
          throw err;
        }
        throw e;
      }
      return prepared.apply(r);
    }
  }

  /** Settles the {@link #unsure} commit, if any; throws if the database is still unreachable. */
  private void settle() {
    if (unsure == null) {
      return;
    }
    record = null; // the commit may have changed it, and it is not known how
    if (!unsure.events().isEmpty()) {
      String first = unsure.events().getFirst().id();
      boolean landed = false;
      while (true) {
        List<StoredEvent> page = store.events().readAfter(sessionId, log.size(), PAGE);
        for (StoredEvent e : page) {
          landed |= e.id().equals(first);
          keep(e);
        }
        if (page.size() < PAGE) {
          break;
        }
      }
      if (landed) {
        unsure.events().forEach(d -> written.add(d.id()));
        markProcessed(unsure); // its marks landed with its events; reads do not fetch them again
        unsure = null;
        return;
      }
    }
    SessionCommit.Result r = lease.commit(unsure); // throws again while the database is away
    unsure.events().forEach(d -> written.add(d.id()));
    unsure = null;
    r.appended().forEach(this::keep);
    r.processed().forEach(this::keep);
  }

  private void markProcessed(SessionCommit landed) {
    java.util.Set<String> marked = new java.util.HashSet<>(landed.processed());
    log.replaceAll(
        e ->
            e.processedAt() == null && marked.contains(e.id())
                ? e.withStored(e.stored().withProcessedAt(landed.processedAt()))
                : e);
  }

  private static List<EventDraft> learn(Session[] into, Session changed) {
    into[0] = changed;
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

  /** Adds the next event to the copy of the log, or replaces one whose processed_at was set. */
  private void keep(StoredEvent e) {
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
