package dev.agentry.harness;

import dev.agentry.core.AgentSpec;
import dev.agentry.core.Cancellation;
import dev.agentry.core.Checkpointer;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.Event;
import dev.agentry.core.EventCodec;
import dev.agentry.core.EventDraft;
import dev.agentry.core.EventStore;
import dev.agentry.core.LogEntry;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.PreviewSink;
import dev.agentry.core.Session;
import dev.agentry.core.SessionRepository;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.Store;
import dev.agentry.core.StoreException;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolObserver;
import dev.agentry.core.Tracing;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of one session under its lease: read the log, take the one next step it calls for, repeat
 * until the session waits on someone else. Each step appends its events (fenced by the lease)
 * before acting on them, so a run may die between any two steps and the next run resumes from the
 * log. Which step comes next is {@link AgentLoop}'s table; {@link #perform} takes it.
 */
final class Runner {
  private static final Logger LOG = LoggerFactory.getLogger(Runner.class);

  /**
   * The stop reason of a turn that failed, terminally or after its retries: never {@code end_turn},
   * which says the agent finished (docs/decisions/0020).
   */
  static final String FAILED = "retries_exhausted";

  private static final String INTERRUPT = EventCodec.type(Event.UserInterrupt.class);

  private static final java.util.Set<String> TOOL_USES =
      java.util.Set.of(
          EventCodec.type(Event.AgentToolUse.class), EventCodec.type(Event.AgentMcpToolUse.class));

  private final String sessionId;
  private final Store store;
  private final ToolCalls toolCalls;
  private final HarnessConfig config;
  private final Clock clock;
  private final Journal journal;
  private final LogFold fold;
  private final BudgetGuard budget;
  private final ModelCalls modelCalls;

  /** What this runner's step is doing, to cancel; each thread's runner has its own. */
  private final AtomicReference<Cancellation> current = new AtomicReference<>(new Cancellation());

  /**
   * The session's runner; a member thread's runner ({@link Threads}) shares its lease, journal and
   * signals (docs/decisions/0033). Itself for the session's.
   */
  private final Runner root;

  /** The thread this runner steps; null in a session without a roster (no thread views). */
  private ThreadScope scope;

  /** A coordinator's member threads and delegation tools; null otherwise. */
  private Threads threads;

  private Delegation delegation;
  private boolean rosterRead;

  /** The session runner's drive of its threads while it runs; null otherwise. */
  private volatile ThreadSteps steps;

  /** The log as the driver of the threads reads it (the session's runner's; writes nothing). */
  private final Journal reader;

  private final ModelClient model;
  private final ToolExecutor tools;
  private final PreviewSink previews;
  private final ToolObserver observer;
  private volatile boolean interruptPending;

  /** A queued event (a user's) was committed since this step read the log. */
  private volatile boolean queuedSinceRead;

  private volatile boolean stopping;

  /**
   * Whether the session's environment is self-hosted, so that its worker runs the built-in tools
   * (docs/decisions/0038); read once per run, on the session's runner. Null until read.
   */
  private volatile Boolean hostedTools;

  /** The built-in calls this run started (each at most once). */
  private final java.util.Set<String> started = new java.util.HashSet<>();

  private final RunLease lease;

  /** The span of the request whose response is being journalled. */
  private String pendingStart;

  /** Live previews of the response being streamed, with the ids its events will have. */
  private Previews preview;

  /** This run's MCP connections; the tools they offer this step, and the step's session. */
  private final McpConnections mcp;

  private McpConnections.Offer mcpOffer = McpConnections.Offer.NONE;

  private final Tracing tracing;

  /** Saves the workspace when a run that held the lease ends, before the lease is given back. */
  private final Checkpointer checkpoints;

  /** The system prompt of this session's model requests (the agent's, plus memory sections). */
  private final dev.agentry.core.SystemPrompt prompts;

  /**
   * The one point every tool call the harness runs passes: built-in and web tools ({@link
   * ToolCalls}) and MCP tools ({@link McpConnections#answer}), inside the turn's span. Custom tools
   * are run by the client, so they have no call here to observe.
   */
  private final ToolObserver observed;

  /** The span of this run's turn, opened by its first model request or tool call. */
  private Tracing.Span turnSpan;

  /** The session's outcome: its work started, its evaluations run (docs/decisions/0043). */
  private final Outcomes outcomes;

  Runner(
      String sessionId,
      Store store,
      ModelClient model,
      ToolExecutor tools,
      HarnessConfig config,
      Clock clock,
      String owner,
      ScheduledExecutorService timer,
      PreviewSink previews,
      McpConnections mcp,
      Tracing tracing,
      ToolObserver observer,
      Checkpointer checkpoints,
      dev.agentry.core.SystemPrompt prompts,
      Rubrics rubrics) {
    this.root = this;
    this.model = model;
    this.tools = tools;
    this.previews = previews;
    this.observer = observer;
    this.checkpoints = checkpoints;
    this.prompts = prompts;
    this.mcp = mcp;
    this.tracing = tracing;
    this.observed = insideTurnSpan(observer);
    this.sessionId = sessionId;
    this.store = store;
    this.config = config;
    this.clock = clock;
    this.lease = new RunLease(store, sessionId, owner, clock, config.leaseTtl(), timer, this::stop);
    this.journal = new Journal(store, sessionId, clock, config.spend(), lease);
    this.reader = journal.forThread(null);
    this.toolCalls = newToolCalls();
    this.budget = new BudgetGuard(config.spend(), journal, clock);
    this.modelCalls = new ModelCalls(sessionId, model, previews, journal, config, clock);
    this.fold = new LogFold(config.toolResultContextChars());
    this.outcomes = new Outcomes(sessionId, journal, clock, model, config, rubrics);
  }

  /**
   * A member thread's runner: its own fold, model and tool calls, journal and MCP connections; the
   * session runner's lease and log.
   */
  private Runner(Runner root, ThreadScope scope) {
    this.root = root;
    this.scope = scope;
    this.rosterRead = true;
    this.reader = null;
    this.model = root.model;
    this.tools = root.tools;
    this.previews = root.previews;
    this.observer = root.observer;
    this.checkpoints = root.checkpoints;
    this.prompts = root.prompts;
    this.mcp = root.mcp.another();
    this.tracing = root.tracing;
    this.observed = insideTurnSpan(observer);
    this.sessionId = root.sessionId;
    this.store = root.store;
    this.config = root.config;
    this.clock = root.clock;
    this.lease = root.lease;
    this.journal = root.journal.forThread(scope);
    this.toolCalls = newToolCalls();
    this.budget = new BudgetGuard(config.spend(), journal, clock);
    this.modelCalls =
        new ModelCalls(sessionId, model, scope.previews(previews), journal, config, clock);
    this.fold = new LogFold(config.toolResultContextChars());
    this.outcomes = root.outcomes; // a member's log has no outcome: only the session's has
  }

  /** Observes each call after opening the turn's span, so that the call is inside it. */
  private ToolObserver insideTurnSpan(ToolObserver observer) {
    return (id, tool, input, c, call) -> {
      openTurnSpan();
      return observer.observe(id, tool, input, c, call);
    };
  }

  /** The runner's tool calls, on its journal and lease (a member's: the session runner's). */
  private ToolCalls newToolCalls() {
    return new ToolCalls(
        sessionId,
        scope == null ? dev.agentry.core.ThreadView.primaryId(sessionId) : scope.threadId,
        tools,
        config.runtimeTools(),
        observed,
        journal,
        clock,
        config.checkpointEachCall() ? checkpoints : Checkpointer.NONE,
        config.readOnlyTools(),
        lease::token);
  }

  /** The lease the node's sweep claimed for this run (see {@link RunLease#claimed}). */
  void claimed(SessionRepository.Lease l) {
    lease.claimed(l);
  }

  /** Whether this run wrote anything; a run that found nothing to do did not. */
  boolean wroteAnything() {
    return lease.wrote();
  }

  /** Stops the run soon: cancels what is in flight; the next run resumes from the log. */
  void stop() {
    root.stopping = true;
    cancelAll();
  }

  /** Cancels what every thread's runner is doing. */
  void cancelAll() {
    current.get().cancel();
    if (threads != null) {
      threads.runners().forEach(r -> r.current.get().cancel());
    }
  }

  /** Runs the session until it has no work; false if another runner holds its lease. */
  boolean run() {
    if (!lease.begin()) {
      return false; // another runner owns the session; it reads the same log
    }
    steps = new ThreadSteps(this, () -> stopping);
    journal.onCommit(steps::changed);
    EventStore.Subscription sub = store.events().subscribe(sessionId, this::onEvent);
    try {
      steps.run();
    } catch (RunLease.Taken e) {
      LOG.debug("session {}: another runner took the lease first", sessionId);
      return false;
    } catch (StoreException.StaleFence e) {
      LOG.info("session {}: lease moved to another runner; stopping", sessionId);
    } catch (StoreException.NotFound e) {
      LOG.debug("session {} was deleted while running", sessionId);
    } catch (RuntimeException e) {
      failUnexpectedly(e);
    } finally {
      flushQuietly();
      if (threads != null) {
        threads.runners().forEach(Runner::endMember);
      }
      sub.close();
      if (lease.held()) {
        // The next holder, maybe on another node, restores it; it covers the log this run read
        checkpoints.checkpoint(sessionId, journal.durable(), lease.token());
      }
      lease.release();
    }
    return true;
  }

  /** A member's run ends with the session's: what it deferred is written, its MCP closed. */
  private void endMember() {
    flushQuietly();
    mcp.close();
  }

  /**
   * A bug or an unavailable dependency broke the run: say so in the log and leave the session idle
   * rather than stuck in running. The message names the failure's kind, never its details, which
   * could carry secrets.
   */
  private void failUnexpectedly(RuntimeException e) {
    LOG.error("session {}: the run failed unexpectedly", sessionId, e);
    try {
      ModelException reported =
          new ModelException(
              "unknown_error",
              "the agent loop failed unexpectedly (" + e.getClass().getSimpleName() + ")",
              false,
              0,
              null);
      append(
          List.of(Events.error(reported, "terminal", now()), Events.idle(FAILED, now())),
          SessionStatus.IDLE);
    } catch (RuntimeException again) {
      LOG.error("session {}: could not record the failure", sessionId, again);
    }
  }

  /** The run ends: what it deferred is written, unless the lease has moved on. */
  private void flushQuietly() {
    try {
      journal.flush();
    } catch (RuntimeException e) {
      LOG.debug("session {}: the last deferred write failed", sessionId, e);
    }
  }

  /**
   * This process appended to the session and woke it ({@link Harness#wake}), on the appender's
   * thread, so before its caller returns. The store's notification ({@link #onEvent}) comes later
   * on another thread: a step that relied on it alone could end the turn over a user event already
   * committed. Treated as a queued event: the next step reads the log and decides.
   */
  void woken() {
    queued();
    logChanged();
  }

  private void logChanged() {
    ThreadSteps s = steps;
    if (s != null) {
      s.changed();
    }
  }

  /** A queued event came: every thread's step reads the log again before ending its turn. */
  private void queued() {
    queuedSinceRead = true;
    if (threads != null) {
      threads.runners().forEach(r -> r.queuedSinceRead = true);
    }
  }

  /**
   * The store's thread: must not block. The log changed, so waiting threads look again; an
   * interrupt cancels what its thread's step is doing (one for every thread: the coordinator's,
   * which queues one for each busy member).
   */
  private void onEvent(StoredEvent e) {
    if (e.processedAt() == null) {
      queued();
      if (e.type().equals(INTERRUPT)) {
        interrupted(dev.agentry.core.ThreadView.tag(e.payload()));
      }
    }
    logChanged();
  }

  private void interrupted(String threadId) {
    Runner r =
        threadId == null || threads == null || scope == null || threadId.equals(scope.threadId)
            ? this
            : threads.runner(threadId).orElse(null);
    if (r != null) {
      r.interruptPending = true;
      r.current.get().cancel();
    }
  }

  /** A new cancellation for this runner's next wait, cancelled already if the run stops. */
  Cancellation newCancellation() {
    Cancellation c = new Cancellation();
    current.set(c);
    // An interrupt that arrived after the log was read, but before this step began.
    if (interruptPending || root.stopping) {
      c.cancel();
    }
    return c;
  }

  /** This runner's thread takes its next step; false when it waits on someone else. */
  boolean stepThread() {
    interruptPending = false;
    queuedSinceRead = false;
    List<LogEntry> log = journal.entries();
    Session record = journal.session().orElse(null);
    fold.hostedTools(hostedTools(record));
    if (!rosterRead && record != null) {
      readRoster(record);
    }
    int committed = journal.committed();
    if (scope != null) {
      ThreadScope.View v = scope.view(log, committed);
      log = v.entries();
      committed = v.committed();
    }
    Session session = scope == null ? record : scope.session(record);
    LogState s = fold.state(log, committed);
    boolean ended = session == null || session.status() == SessionStatus.TERMINATED;
    LoopFacts facts =
        new LoopFacts(
            s,
            fold::context,
            config,
            ended ? null : session.agent().spec().model().id(),
            ended,
            () -> budget.reached(session));
    return perform(AgentLoop.next(facts), s, facts, session, log);
  }

  /** Whether the session's built-in calls are its worker's; an environment type cannot change. */
  private boolean hostedTools(Session record) {
    if (root.hostedTools == null && record != null) {
      root.hostedTools =
          store
              .environments()
              .find(record.environmentId())
              .map(e -> e.config() instanceof dev.agentry.core.EnvironmentConfig.SelfHosted)
              .orElse(false);
    }
    return Boolean.TRUE.equals(root.hostedTools);
  }

  /**
   * The session's calls wait on a worker: its work item is queued (unless it has an open one)
   * before the session says so, so that a run that dies between the two offers it again.
   */
  private void offerWork(Session session) {
    String workspace = store.sessions().workspaceOf(sessionId).orElse(null);
    if (workspace != null && session != null) {
      store.work().offer(workspace, session.environmentId(), sessionId, now());
    }
  }

  /** A coordinator session gets its member threads and its delegation tools. */
  private void readRoster(Session session) {
    rosterRead = true;
    Optional<dev.agentry.core.Roster> found;
    try {
      found = dev.agentry.core.Roster.of(session.agent());
    } catch (IllegalStateException notExpanded) {
      // A session created before rosters were expanded: it runs alone, as it always did.
      LOG.warn("session {}: its roster is not expanded; it runs without members", sessionId);
      found = Optional.empty();
    }
    found.ifPresent(
        roster -> {
          scope = ThreadScope.primary(sessionId);
          journal.scope(scope);
          delegation = new Delegation(roster, sessionId);
          threads =
              new Threads(
                  roster,
                  (id, member) -> new Runner(this, ThreadScope.child(sessionId, id, member)));
        });
  }

  /** Whether the coordinator waits for a member's reply rather than ending its turn. */
  private boolean membersBusy() {
    return threads != null && Threads.coordinatorWaits(journal.entries());
  }

  /** Ends this runner's turn span, if it opened one. */
  void closeSpan() {
    if (turnSpan != null) {
      turnSpan.close();
      turnSpan = null;
    }
  }

  /** The one place each action of the loop's table is performed; false for {@code WAIT}. */
  private boolean perform(
      AgentLoop.Action action, LogState s, LoopFacts facts, Session session, List<LogEntry> log) {
    switch (action) {
      case WAIT -> {
        return false;
      }
      case REPORT_CORRUPT_EVENTS -> {
        for (LogEntry row : s.unreportedCorrupt.values()) {
          LOG.warn("session {}: event {} ({}) is unreadable", sessionId, row.seq(), row.type());
        }
        append(s.unreportedCorrupt.values().stream().map(e -> Events.corrupt(e, now())).toList());
      }
      case ANSWER_INTERRUPT -> interrupt(s);
      case CLOSE_DANGLING_SPAN ->
          // A request whose runner died: close its span; the request is simply issued again.
          append(List.of(Events.spanEnd(s.danglingSpanId, true, null, clock.instant())));
      case ANSWER_CUT_MCP_CALLS ->
          append(
              s.cutMcpAnswers(now())); // never re-run: the outcome of a call cut short is unknown
      case RESUME_TOOL_CALLS -> resumeTools(session, s);
      case SETTLE_CONFIRMATION ->
          settle(Permissions.answer(s.queuedConfirmations.getFirst(), s), s, session);
      case ANNOUNCE_REQUIRES_ACTION -> {
        if (!s.openHostedUses.isEmpty()) {
          offerWork(session);
        }
        append(List.of(Events.requiresAction(s.blockingIds(), now())), SessionStatus.IDLE);
      }
      case EVALUATE_OUTCOME -> outcomes.evaluate(s, session, log, this::newCancellation);
      case TAKE_QUEUED_EVENTS -> takeQueued(s);
      case START_OUTCOME_WORK -> outcomes.startWork();
      case END_TURN -> {
        if (membersBusy()) {
          return false; // the coordinator's turn goes on when a member replies
        }
        Optional<EventDraft> evaluation = outcomes.evaluationInsteadOfIdle(s, false);
        if (evaluation.isPresent()) {
          append(List.of(evaluation.get())); // the attempt is graded; the session stays running
        } else {
          append(List.of(Events.idle("end_turn", now())), SessionStatus.IDLE);
        }
      }
      case RESUME_TURN ->
          // Every custom call is answered, or a backoff ended: the turn goes on.
          append(List.of(Events.running(now())), SessionStatus.RUNNING);
      case STOP_AT_TOOL_ROUND_LIMIT ->
          append(
              List.of(
                  Events.error(
                      "tool_use_limit_reached_error",
                      "the turn reached the limit of " + config.maxToolRounds() + " tool rounds",
                      "exhausted",
                      clock.instant()),
                  Events.idle(FAILED, clock.instant())),
              SessionStatus.IDLE);
      case STOP_AT_BUDGET -> {
        if (membersBusy()) {
          return false; // each member stops at the shared budget by itself, then replies
        }
        budget.stop(session); // before any model request, compaction's too
      }
      case COMPACT -> {
        AgentSpec spec = offerTools(session);
        compact(spec, log, Compaction.cut(facts.context()).orElseThrow(), s);
      }
      case CALL_MODEL -> {
        AgentSpec spec = offerTools(session);
        if (Toolset.of(spec).usesSandbox() && !Boolean.TRUE.equals(root.hostedTools)) {
          toolCalls.prepare(); // the request's wait hides the sandbox's start
        }
        ModelRequest request = request(spec, facts.context().messages());
        call(request, s).ifPresent(r -> act(r, session, s));
      }
    }
    return true;
  }

  /** Before a model request: the MCP servers' tools this step may offer. */
  private AgentSpec offerTools(Session session) {
    AgentSpec spec = session.agent().spec().withSystem(prompts.of(session));
    if (!spec.mcpServers().isEmpty()) {
      journal.beforeSideEffect(); // connecting may take long: what is deferred should not wait
    }
    mcpOffer = mcp.offer(session, Toolset.of(spec).definitions(), this::append);
    return spec;
  }

  private void takeQueued(LogState s) {
    // Deferred to the next commit (the model request's span, usually): a run that dies before it
    // leaves the events queued, not lost.
    List<StoredEvent> queued = stored(s.queuedOthers);
    if (s.turnOpen()) {
      journal.write(List.of()).processed(queued).defer();
    } else {
      journal
          .write(List.of(Events.running(now())))
          .moveTo(SessionStatus.RUNNING)
          .processed(queued)
          .defer();
    }
  }

  private static List<StoredEvent> stored(List<LogEntry> entries) {
    return entries.stream().map(LogEntry::stored).toList();
  }

  private void interrupt(LogState s) {
    List<EventDraft> drafts = s.interruptAnswers(clock.instant());
    outcomes.interrupted(s).ifPresent(drafts::add);
    boolean active = s.turnOpen() || s.blockedOnAction();
    if (active) {
      drafts.add(Events.idle("end_turn", clock.instant()));
    }
    if (threads != null && s.queuedInterrupts.stream().anyMatch(Runner::forEveryThread)) {
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

  /**
   * Whether this run journalled the call and never started it: its commit's answer was lost to a
   * database outage (the journal found it landed), so it is known not to have run, unlike a call
   * found open after a crash, whose outcome is unknown.
   */
  private boolean neverStarted(String toolUseId) {
    return journal.wrote(toolUseId) && !started.contains(toolUseId);
  }

  /**
   * Tool calls a dead runner journalled but never answered: read-only ones are run again; a
   * side-effecting one may have half-happened, so the model is told the outcome is unknown. A call
   * this run journalled but never started (see {@link #neverStarted}) runs now.
   */
  private void resumeTools(Session session, LogState s) {
    Cancellation c = newCancellation();
    for (LogEntry use : s.openToolUses.values()) {
      if (c.isCancelled()) {
        return;
      }
      var call = (Event.AgentToolUse) use.event();
      if (Permissions.verdict(call, true) == Permissions.Verdict.REFUSE) {
        dispatch(use, session, c, true);
      } else if (config.readOnlyTools().contains(call.name())
          || neverStarted(use.id())
          || delegates(call)) {
        runBuiltIn(session, use, call, c); // a send and its result are one commit: none was sent
      } else {
        append(List.of(Events.toolResult(use.id(), Events.UNKNOWN_OUTCOME, true, now())));
      }
    }
  }

  /**
   * The one place a journalled tool call meets its permission: a refused call gets its refusal as
   * an error result, an asking one waits for its confirmation ({@code confirmed} once an allow
   * settled it), any other runs.
   */
  private void dispatch(LogEntry use, Session session, Cancellation c, boolean confirmed) {
    Event.ToolCall call = (Event.ToolCall) use.event();
    switch (Permissions.verdict(call, confirmed)) {
      case REFUSE ->
          append(List.of(McpEvents.resultFor(use, Permissions.refusal(call), true, now())));
      case WAIT -> {}
      case RUN -> {
        switch (call) {
          case Event.AgentMcpToolUse mcpUse -> {
            journal.beforeSideEffect(); // what the call follows is durable before it
            append(List.of(mcp.answer(session, use.id(), mcpUse, c, this::append, observed)));
          }
          case Event.AgentToolUse builtIn -> {
            if (!(Boolean.TRUE.equals(root.hostedTools) && LogState.hosted(builtIn.name()))) {
              runBuiltIn(session, use, builtIn, c);
            } // else the session's worker runs it, and the next step says the session waits
          }
        }
      }
    }
  }

  private boolean delegates(Event.AgentToolUse call) {
    return delegation != null && Delegation.handles(call.name());
  }

  /** A built-in call runs in the sandbox or the runtime; a coordinator's delegation here. */
  private void runBuiltIn(Session session, LogEntry use, Event.AgentToolUse call, Cancellation c) {
    if (delegates(call)) {
      append(delegation.answer(use.id(), call, journal.entries(), now()));
      return;
    }
    started.add(use.id());
    toolCalls.run(session, use.id(), call.name(), call.input(), c);
  }

  private ModelRequest request(AgentSpec spec, List<dev.agentry.core.ModelMessage> messages) {
    List<dev.agentry.core.ToolDefinition> offered = new ArrayList<>(Toolset.of(spec).definitions());
    if (delegation != null) {
      offered.addAll(Delegation.definitions());
    }
    String effort = spec.model().effort() == null ? null : spec.model().effort().type();
    return new ModelRequest(
        spec.model().id(),
        spec.system(),
        messages,
        mcpOffer.plus(offered),
        config.maxOutputTokens(),
        effort);
  }

  /**
   * One model request of this run's turn ({@link ModelCalls}); empty when there is none to act on.
   */
  private Optional<ModelResponse> call(ModelRequest request, LogState s) {
    openTurnSpan();
    Optional<ModelCalls.Answer> answer = modelCalls.call(request, s, this::newCancellation);
    answer.ifPresent(
        a -> {
          preview = a.preview();
          pendingStart = a.startId();
        });
    return answer.map(ModelCalls.Answer::response);
  }

  /** Journals the response, then runs its built-in tool calls one by one. */
  private void act(ModelResponse r, Session session, LogState s) {
    AgentSpec spec = session.agent().spec();
    Permissions permissions = Permissions.of(spec, config.runtimeTools().auto());
    Cancellation c = current.get();
    ResponseEvents events =
        ResponseEvents.of(r, Toolset.of(spec), permissions, mcpOffer, preview, clock);
    List<EventDraft> drafts = new ArrayList<>(events.drafts());
    drafts.add(Events.spanEnd(pendingStart, false, r.usage(), clock.instant()));
    Journal.Write w = journal.write(drafts).usage(r.usage());
    if (!events.hasCalls() && (!events.hasText() || !queuedSinceRead) && membersBusy()) {
      w.commit(); // the coordinator waits for its members: their replies continue its turn
      return;
    }
    if (!events.hasCalls() && (!events.hasText() || !queuedSinceRead)) {
      // The turn ends: asking again would get the same empty answer forever, and after a text the
      // next step would end it too unless a user event came meanwhile. One commit. On an active
      // outcome the attempt is graded instead, and the session stays running.
      Optional<EventDraft> evaluation = outcomes.evaluationInsteadOfIdle(s, true);
      if (evaluation.isPresent()) {
        w.then(List.of(evaluation.get())).commit();
      } else {
        w.then(List.of(Events.idle("end_turn", clock.instant())))
            .moveTo(SessionStatus.IDLE)
            .commit();
      }
      return;
    }
    for (StoredEvent e : w.commit()) {
      if (!TOOL_USES.contains(e.type())) {
        continue; // only the calls are read again
      }
      LogEntry use = LogEntry.of(e);
      if (use.event() instanceof Event.AgentToolUse && c.isCancelled()) {
        return; // the interrupt step answers the calls not yet run
      }
      if (use.event() instanceof Event.ToolCall) {
        dispatch(use, session, c, false);
      }
    }
  }

  /**
   * Settles one {@code user.tool_confirmation}: a deny journals the refusal for the model and marks
   * the answer processed in one commit; an allow marks it processed, then runs the call (so a run
   * that dies while the tool runs finds it open, as after any crash mid-tool).
   */
  private void settle(Permissions.Answer a, LogState s, Session session) {
    List<StoredEvent> answer = List.of(a.confirmation().stored());
    if (a.pending() && !a.allow()) {
      journal
          .write(List.of(McpEvents.resultFor(a.use(), a.denyText(), true, now())))
          .processed(answer)
          .commit();
    } else if (a.pending() && !s.turnOpen()) {
      journal
          .write(List.of(Events.running(now())))
          .moveTo(SessionStatus.RUNNING)
          .processed(answer)
          .commit();
    } else {
      journal.write(List.of()).processed(answer).commit();
    }
    if (a.pending() && a.allow()) {
      dispatch(a.use(), session, newCancellation(), true);
    }
  }

  /** Summarises the log through {@code through} in a separate request; the log keeps it all. */
  private void compact(AgentSpec spec, List<LogEntry> log, long through, LogState s) {
    List<LogEntry> prefix = log.stream().filter(e -> e.seq() <= through).toList();
    Context upTo = ContextBuilder.of(prefix, config.toolResultContextChars()).context();
    Optional<ModelResponse> response = call(request(spec, Compaction.request(upTo)), s);
    if (response.isEmpty()) {
      return;
    }
    StringBuilder summary = new StringBuilder();
    for (ContentBlock b : response.get().content()) {
      if (b instanceof ContentBlock.Text t) {
        summary.append(t.text());
      }
    }
    journal
        .write(
            List.of(
                Events.spanEnd(pendingStart, false, response.get().usage(), clock.instant()),
                Events.compacted(summary.toString(), through, now())))
        .usage(response.get().usage())
        .commit();
  }

  /** The turn's span parents the model requests and tool calls of this run (on its thread). */
  private void openTurnSpan() {
    if (turnSpan == null) {
      turnSpan = tracing.turn(sessionId);
    }
  }

  private List<StoredEvent> append(List<EventDraft> drafts) {
    return journal.append(drafts);
  }

  /** Appends {@code drafts} and moves the session to {@code status}, in one commit. */
  private void append(List<EventDraft> drafts, SessionStatus status) {
    journal.write(drafts).moveTo(status).commit();
  }

  java.time.Instant now() {
    return clock.instant();
  }

  String sessionId() {
    return sessionId;
  }

  /** The thread this runner steps; null for the session's runner of a session without threads. */
  String threadId() {
    return scope == null ? null : scope.threadId;
  }

  /** A coordinator's member threads, once its first step read the roster; null otherwise. */
  Threads threads() {
    return threads;
  }

  Journal journal() {
    return journal;
  }

  /** The session runner's read-only journal, for the driver of its threads. */
  Journal reader() {
    return reader;
  }
}
