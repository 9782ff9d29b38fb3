package dev.agentry.harness;

import dev.agentry.core.AgentSpec;
import dev.agentry.core.Cancellation;
import dev.agentry.core.Checkpointer;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.Event;
import dev.agentry.core.EventCodec;
import dev.agentry.core.EventDraft;
import dev.agentry.core.LogEntry;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.PreviewSink;
import dev.agentry.core.Session;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.Store;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolObserver;
import dev.agentry.core.Tracing;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread of a session's run ({@link SessionRun}) under its lease: read the log, take the one
 * next step it calls for; the run repeats until the thread waits on someone else. Each step appends
 * its events (fenced by the lease) before acting on them, so a run may die between any two steps
 * and the next run resumes from the log. Which step comes next is {@link AgentLoop}'s table; {@link
 * #perform} takes it. A session without threads has one runner; a coordinator's has one more per
 * member thread ({@link Threads}), each stepping at once with the others ({@link ThreadSteps}).
 */
final class Runner {
  private static final Logger LOG = LoggerFactory.getLogger(Runner.class);

  /**
   * The stop reason of a turn that failed, terminally or after its retries: never {@code end_turn},
   * which says the agent finished (docs/decisions/0020).
   */
  static final String FAILED = "retries_exhausted";

  private static final java.util.Set<String> TOOL_USES =
      java.util.Set.of(
          EventCodec.type(Event.AgentToolUse.class), EventCodec.type(Event.AgentMcpToolUse.class));

  private final String sessionId;
  private final Store store;
  private final ToolCalls toolCalls;

  /** Where this thread's journalled calls meet their permissions and run. */
  private final ToolDispatch calls;

  /** How this thread takes the events queued for it. */
  private final QueuedEvents queued;

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

  /** The log as the driver of the threads reads it (the session's runner's; writes nothing). */
  private final Journal reader;

  private final ModelClient model;
  private final ToolExecutor tools;
  private final PreviewSink previews;
  private final ToolObserver observer;
  private volatile boolean interruptPending;

  /** A queued event (a user's) was committed since this step read the log. */
  private volatile boolean queuedSinceRead;

  /** Whether the run stops: no new wait begins. */
  private final BooleanSupplier stopping;

  /** Whether the session's worker runs its built-in calls, read once per run for every thread. */
  private final SelfHostedWork hosted;

  private final RunLease lease;

  /** The span of the request whose response is being journalled. */
  private String pendingStart;

  /** Live previews of the response being streamed, with the ids its events will have. */
  private Previews preview;

  /** This run's MCP connections; the tools they offer this step, and the step's session. */
  private final McpConnections mcp;

  private McpConnections.Offer mcpOffer = McpConnections.Offer.NONE;

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

  /** The span of this thread's turn, opened by its first model request or tool call. */
  private final TurnSpan turn;

  /** The session's outcome: its work started, its evaluations run (docs/decisions/0043). */
  private final Outcomes outcomes;

  Runner(
      String sessionId,
      Store store,
      ModelClient model,
      ToolExecutor tools,
      HarnessConfig config,
      Clock clock,
      RunLease lease,
      BooleanSupplier stopping,
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
    this.turn = new TurnSpan(tracing, sessionId);
    this.observed = turn.around(observer);
    this.sessionId = sessionId;
    this.store = store;
    this.config = config;
    this.clock = clock;
    this.lease = lease;
    this.stopping = stopping;
    this.hosted = new SelfHostedWork(store, sessionId, clock);
    this.journal = new Journal(store, sessionId, clock, config.spend(), lease);
    this.reader = journal.forThread(null);
    this.toolCalls = newToolCalls();
    this.calls = newToolDispatch();
    this.budget = new BudgetGuard(config.spend(), journal, clock);
    this.modelCalls = new ModelCalls(sessionId, model, previews, journal, config, clock);
    this.fold = new LogFold(config.toolResultContextChars());
    this.outcomes = new Outcomes(sessionId, journal, clock, model, config, rubrics);
    this.queued = new QueuedEvents(journal, clock, outcomes);
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
    this.turn = root.turn.another();
    this.observed = turn.around(observer);
    this.sessionId = root.sessionId;
    this.store = root.store;
    this.config = root.config;
    this.clock = root.clock;
    this.lease = root.lease;
    this.stopping = root.stopping;
    this.hosted = root.hosted;
    this.journal = root.journal.forThread(scope);
    this.toolCalls = newToolCalls();
    this.calls = newToolDispatch();
    this.budget = new BudgetGuard(config.spend(), journal, clock);
    this.modelCalls =
        new ModelCalls(sessionId, model, scope.previews(previews), journal, config, clock);
    this.fold = new LogFold(config.toolResultContextChars());
    this.outcomes = root.outcomes; // a member's log has no outcome: only the session's has
    this.queued = new QueuedEvents(journal, clock, outcomes);
  }

  private ToolDispatch newToolDispatch() {
    return new ToolDispatch(
        journal,
        toolCalls,
        mcp,
        observed,
        config.readOnlyTools(),
        clock,
        hosted::hosted,
        () -> delegation);
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

  /** Cancels what this runner's step is doing. */
  void cancel() {
    current.get().cancel();
  }

  /** An interrupt for this runner's thread came: its step stops, and the next one answers it. */
  void interruptArrived() {
    interruptPending = true;
    cancel();
  }

  /** A queued event came: this thread's step reads the log again before it ends its turn. */
  void queuedArrived() {
    queuedSinceRead = true;
  }

  /** The run ends: what this runner deferred is written; a member's MCP connections close. */
  void end() {
    try {
      journal.flush();
    } catch (RuntimeException e) {
      LOG.debug("session {}: the last deferred write failed", sessionId, e);
    }
    if (root != this) {
      mcp.close();
    }
  }

  /**
   * A cancellation for a wait of the run's own (for the database), which only the run's stop
   * cancels: an interrupt still pending must not cut every pause of it short.
   */
  Cancellation newRunWait() {
    Cancellation c = new Cancellation();
    current.set(c);
    if (stopping.getAsBoolean()) {
      c.cancel();
    }
    return c;
  }

  /** A new cancellation for this runner's next wait, cancelled already if the run stops. */
  private Cancellation newCancellation() {
    Cancellation c = new Cancellation();
    current.set(c);
    // An interrupt that arrived after the log was read, but before this step began.
    if (interruptPending || stopping.getAsBoolean()) {
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
    fold.hostedTools(hosted.hosted(record));
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

  /** A coordinator session gets its member threads and its delegation tools. */
  private void readRoster(Session session) {
    rosterRead = true;
    Threads.rosterOf(session)
        .ifPresent(
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
    turn.close();
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
      case ANSWER_INTERRUPT -> queued.interrupt(s, threads != null, scope);
      case CLOSE_DANGLING_SPAN ->
          // A request whose runner died: close its span; the request is simply issued again.
          append(List.of(Events.spanEnd(s.danglingSpanId, true, null, clock.instant())));
      case ANSWER_CUT_MCP_CALLS ->
          append(
              s.cutMcpAnswers(now())); // never re-run: the outcome of a call cut short is unknown
      case RESUME_TOOL_CALLS -> calls.resume(session, s, newCancellation());
      case SETTLE_CONFIRMATION ->
          calls.settle(
              Permissions.answer(s.queuedConfirmations.getFirst(), s),
              s,
              session,
              this::newCancellation);
      case ANNOUNCE_REQUIRES_ACTION -> {
        if (!s.openHostedUses.isEmpty()) {
          hosted.offer(session);
        }
        append(List.of(Events.requiresAction(s.blockingIds(), now())), SessionStatus.IDLE);
      }
      case EVALUATE_OUTCOME -> outcomes.evaluate(s, session, log, this::newCancellation);
      case TAKE_QUEUED_EVENTS -> queued.take(s);
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
        if (Toolset.of(spec).usesSandbox() && !hosted.hosted()) {
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
    turn.open();
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
        calls.dispatch(use, session, c, false);
      }
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
