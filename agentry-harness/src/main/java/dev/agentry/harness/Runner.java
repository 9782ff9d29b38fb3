package dev.agentry.harness;

import dev.agentry.core.AgentSpec;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.EventDraft;
import dev.agentry.core.EventStore;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.PreviewSink;
import dev.agentry.core.Session;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.Store;
import dev.agentry.core.StoreException;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolObserver;
import dev.agentry.core.Tracing;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
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
 * log. This is the loop's state table in code; each branch of {@link #step} is one row.
 */
final class Runner {
  private static final Logger LOG = LoggerFactory.getLogger(Runner.class);

  /**
   * The stop reason of a turn that failed, terminally or after its retries: never {@code end_turn},
   * which says the agent finished (docs/decisions/0020).
   */
  static final String FAILED = "retries_exhausted";

  private final String sessionId;
  private final Store store;
  private final ModelClient model;
  private final ToolCalls toolCalls;
  private final HarnessConfig config;
  private final Clock clock;
  private final Journal journal;
  private final LogFold fold;
  private final BudgetGuard budget;
  private final AtomicReference<Cancellation> current = new AtomicReference<>(new Cancellation());
  private volatile boolean interruptPending;

  /** A queued event (a user's) was committed since this step read the log. */
  private volatile boolean queuedSinceRead;

  private volatile boolean stopping;
  private final RunLease lease;

  /** The span of the request whose response is being journalled. */
  private String pendingStart;

  /** Live previews of the response being streamed, with the ids its events will have. */
  private Previews preview;

  private final PreviewSink previews;

  /** This run's MCP connections; the tools they offer this step, and the step's session. */
  private final McpConnections mcp;

  private McpConnections.Offer mcpOffer = McpConnections.Offer.NONE;

  private final Tracing tracing;

  /**
   * The one point every tool call the harness runs passes: built-in and web tools ({@link
   * ToolCalls}) and MCP tools ({@link McpConnections#answer}), inside the turn's span. Custom tools
   * are run by the client, so they have no call here to observe.
   */
  private final ToolObserver observed;

  /** The span of this run's turn, opened by its first model request or tool call. */
  private Tracing.Span turnSpan;

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
      ToolObserver observer) {
    this.mcp = mcp;
    this.tracing = tracing;
    this.observed =
        (id, tool, input, c, call) -> {
          openTurnSpan();
          return observer.observe(id, tool, input, c, call);
        };
    this.sessionId = sessionId;
    this.store = store;
    this.model = model;
    this.config = config;
    this.clock = clock;
    this.previews = previews;
    this.lease = new RunLease(store, sessionId, owner, clock, config.leaseTtl(), timer, this::stop);
    this.journal = new Journal(store, sessionId, clock, config.spend(), lease);
    this.toolCalls =
        new ToolCalls(sessionId, tools, config.runtimeTools(), observed, journal, clock);
    this.budget = new BudgetGuard(config.spend(), journal, clock);
    this.fold = new LogFold(config.toolResultContextChars());
  }

  /** Stops the run soon: cancels what is in flight; the next run resumes from the log. */
  void stop() {
    stopping = true;
    current.get().cancel();
  }

  /** Runs the session until it has no work; false if another runner holds its lease. */
  boolean run() {
    if (!lease.begin()) {
      return false; // another runner owns the session; it reads the same log
    }
    EventStore.Subscription sub = store.events().subscribe(sessionId, this::onEvent);
    try {
      while (!stopping && step()) {
        // each step reads what is new in the log
      }
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
      if (turnSpan != null) {
        turnSpan.close();
      }
      sub.close();
      lease.release();
    }
    return true;
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

  /** The store's thread: must not block. An interrupt cancels whatever the step is doing. */
  private void onEvent(StoredEvent e) {
    queuedSinceRead |= e.processedAt() == null;
    if (e.type().equals("user.interrupt") && e.processedAt() == null) {
      interruptPending = true;
      current.get().cancel();
    }
  }

  private Cancellation newCancellation() {
    Cancellation c = new Cancellation();
    current.set(c);
    // An interrupt that arrived after the log was read, but before this step began.
    if (interruptPending || stopping) {
      c.cancel();
    }
    return c;
  }

  /** Takes the next step the log calls for; false when the session waits on someone else. */
  private boolean step() {
    interruptPending = false;
    queuedSinceRead = false;
    List<StoredEvent> log = journal.read();
    Session session = journal.session().orElse(null);
    if (session == null || session.status() == SessionStatus.TERMINATED) {
      return false;
    }
    LogState s = fold.state(log, journal.committed());
    if (!s.queuedInterrupts.isEmpty() || !s.interruptedCustomUses.isEmpty()) {
      interrupt(s);
      return true;
    }
    if (s.danglingSpanId != null) {
      // A request whose runner died: close its span; the request is simply issued again.
      append(List.of(Events.spanEnd(s.danglingSpanId, true, null, clock.instant())));
      return true;
    }
    List<EventDraft> mcpUnanswered = McpEvents.unanswered(log, now());
    if (!mcpUnanswered.isEmpty()) {
      append(mcpUnanswered); // never re-run: the outcome of a call cut short is unknown
      return true;
    }
    if (!s.openToolUses.isEmpty()) {
      resumeTools(session, s);
      return true;
    }
    if (!s.queuedConfirmations.isEmpty()) {
      settle(Permissions.answer(s.queuedConfirmations.getFirst(), s), s, session);
      return true;
    }
    if (!s.blockingIds().isEmpty()) {
      List<String> open = s.blockingIds();
      if (s.blockedOnAction() && new HashSet<>(s.lastIdleEventIds).equals(new HashSet<>(open))) {
        return false;
      }
      append(List.of(Events.requiresAction(open, now())), SessionStatus.IDLE);
      return true;
    }
    if (s.phase == LogState.Phase.TERMINATED) {
      return false;
    }
    if (!s.queuedOthers.isEmpty()) {
      takeQueued(s);
      return true;
    }
    Context ctx = fold.context();
    if (!ctx.awaitingModel()) {
      if (s.turnOpen()) {
        append(List.of(Events.idle("end_turn", now())), SessionStatus.IDLE);
        return true;
      }
      return false;
    }
    if (s.blockedOnAction() || s.phase == LogState.Phase.RESCHEDULED) {
      // Every custom call is answered, or a backoff ended: the turn goes on.
      append(List.of(Events.running(now())), SessionStatus.RUNNING);
      return true;
    }
    if (!s.turnOpen()) {
      return false; // e.g. a turn ended by an interrupt after its tool results
    }
    if (s.toolRoundsThisTurn >= config.maxToolRounds()) {
      append(
          List.of(
              Events.error(
                  "tool_use_limit_reached_error",
                  "the turn reached the limit of " + config.maxToolRounds() + " tool rounds",
                  "exhausted",
                  clock.instant()),
              Events.idle(FAILED, clock.instant())),
          SessionStatus.IDLE);
      return true;
    }
    if (budget.stopIfReached(session)) {
      return true; // before any model request, compaction's included
    }
    AgentSpec spec = session.agent().spec();
    if (!spec.mcpServers().isEmpty()) {
      journal.beforeSideEffect(); // connecting may take long: what is deferred should not wait
    }
    mcpOffer = mcp.offer(session, Toolset.of(spec).definitions(), this::append);
    if (Compaction.due(ctx, config, spec.model().id())) {
      Optional<Long> cut = Compaction.cut(ctx);
      if (cut.isPresent()) {
        compact(spec, log, cut.get(), s);
        return true;
      }
    }
    ModelRequest request = request(spec, ctx.messages());
    Optional<ModelResponse> response = call(request, s);
    response.ifPresent(r -> act(r, session));
    return true;
  }

  private void takeQueued(LogState s) {
    // Deferred to the next commit (the model request's span, usually): a run that dies before it
    // leaves the events queued, not lost.
    if (s.turnOpen()) {
      journal.write(List.of()).processed(s.queuedOthers).defer();
    } else {
      journal
          .write(List.of(Events.running(now())))
          .moveTo(SessionStatus.RUNNING)
          .processed(s.queuedOthers)
          .defer();
    }
  }

  private void interrupt(LogState s) {
    List<EventDraft> drafts = s.interruptAnswers(clock.instant());
    boolean active = s.turnOpen() || s.blockedOnAction();
    if (active) {
      drafts.add(Events.idle("end_turn", clock.instant()));
    }
    Journal.Write w = journal.write(drafts).processed(s.queuedInterrupts);
    (active ? w.moveTo(SessionStatus.IDLE) : w).commit();
  }

  /**
   * Tool calls a dead runner journalled but never answered: read-only ones are run again; a
   * side-effecting one may have half-happened, so the model is told the outcome is unknown.
   */
  private void resumeTools(Session session, LogState s) {
    Cancellation c = newCancellation();
    for (StoredEvent use : s.openToolUses.values()) {
      if (c.isCancelled()) {
        return;
      }
      var p = Events.payload(use);
      String name = p.path("name").asText();
      Optional<String> refused = Permissions.refusal(p);
      if (refused.isPresent()) {
        append(List.of(Events.toolResult(use.id(), refused.get(), true, now())));
      } else if (config.readOnlyTools().contains(name)) {
        toolCalls.run(session, use.id(), name, p.path("input"), c);
      } else {
        append(List.of(Events.toolResult(use.id(), Events.UNKNOWN_OUTCOME, true, now())));
      }
    }
  }

  private ModelRequest request(AgentSpec spec, List<dev.agentry.core.ModelMessage> messages) {
    String effort = spec.model().effort() == null ? null : spec.model().effort().type();
    return new ModelRequest(
        spec.model().id(),
        spec.system(),
        messages,
        mcpOffer.plus(Toolset.of(spec).definitions()),
        config.maxOutputTokens(),
        effort);
  }

  /**
   * One model request inside its span; failures are journalled and retried per the config. Empty
   * when there is no response to act on.
   */
  private Optional<ModelResponse> call(ModelRequest request, LogState s) {
    openTurnSpan();
    StoredEvent start = append(List.of(Events.spanStart(clock.instant()))).get(0);
    Cancellation c = newCancellation();
    ModelResponse response;
    try {
      preview = new Previews(sessionId, previews);
      response = model.send(request, preview, c);
    } catch (ModelException e) {
      if (c.isCancelled() || e instanceof ModelException.Cancelled) {
        append(List.of(Events.spanEnd(start.id(), true, null, clock.instant())));
      } else {
        failed(start, e, s, c);
      }
      return Optional.empty();
    } catch (RuntimeException e) {
      LOG.warn("session {}: model client failed", sessionId, e);
      failed(start, new ModelException("unknown_error", String.valueOf(e), false, 0, null), s, c);
      return Optional.empty();
    }
    if (c.isCancelled()) {
      // Interrupted as it finished: drop the answer rather than act on it after the interrupt.
      journal
          .write(List.of(Events.spanEnd(start.id(), true, response.usage(), clock.instant())))
          .usage(response.usage())
          .commit();
      return Optional.empty();
    }
    pendingStart = start.id();
    return Optional.of(response);
  }

  private void failed(StoredEvent start, ModelException e, LogState s, Cancellation c) {
    int failure = s.failuresInARow + 1;
    EventDraft end = Events.spanEnd(start.id(), true, null, clock.instant());
    if (!e.retryable()) {
      append(
          List.of(end, Events.error(e, "terminal", now()), Events.idle(FAILED, now())),
          SessionStatus.IDLE);
    } else if (failure >= config.modelRetryAttempts()) {
      append(
          List.of(end, Events.error(e, "exhausted", now()), Events.idle(FAILED, clock.instant())),
          SessionStatus.IDLE);
    } else {
      append(
          List.of(end, Events.error(e, "retrying", now()), Events.rescheduled(now())),
          SessionStatus.RESCHEDULING);
      Backoff.await(Backoff.delay(config, failure, e), c);
    }
  }

  /** Journals the response, then runs its built-in tool calls one by one. */
  private void act(ModelResponse r, Session session) {
    AgentSpec spec = session.agent().spec();
    Toolset toolset = Toolset.of(spec);
    Permissions permissions = Permissions.of(spec, config.runtimeTools().auto());
    Cancellation c = current.get();
    List<EventDraft> drafts = new ArrayList<>();
    if (r.content().stream().anyMatch(b -> b instanceof ContentBlock.Thinking)) {
      drafts.add(preview.persisted(Events.thinking(now())));
    }
    List<String> texts = new ArrayList<>();
    List<ContentBlock.ToolUse> builtIn = new ArrayList<>();
    List<ContentBlock.ToolUse> custom = new ArrayList<>();
    List<ContentBlock.ToolUse> mcpUses = new ArrayList<>();
    for (ContentBlock b : r.content()) {
      switch (b) {
        case ContentBlock.Text t -> {
          if (!t.text().isEmpty()) {
            texts.add(t.text());
          }
        }
        case ContentBlock.ToolUse u ->
            (mcpOffer.targets().containsKey(u.name())
                    ? mcpUses
                    : toolset.custom().contains(u.name()) ? custom : builtIn)
                .add(u);
        default -> {}
      }
    }
    if (!texts.isEmpty()) {
      drafts.add(preview.persisted(Events.message(texts, now())));
    }
    builtIn.forEach(u -> drafts.add(permissions.toolUse(u.name(), u.input(), now())));
    custom.forEach(u -> drafts.add(Events.customToolUse(u.name(), u.input(), now())));
    mcpUses.forEach(u -> drafts.add(mcpOffer.use(u.name(), u.input(), permissions, now())));
    drafts.add(Events.spanEnd(pendingStart, false, r.usage(), clock.instant()));
    Journal.Write w = journal.write(drafts).usage(r.usage());
    boolean noCalls = builtIn.isEmpty() && custom.isEmpty() && mcpUses.isEmpty();
    if (noCalls && (texts.isEmpty() || !queuedSinceRead)) {
      // The turn ends: asking again would get the same empty answer forever, and after a text the
      // next step would end it too unless a user event came meanwhile. One commit.
      w.then(List.of(Events.idle("end_turn", clock.instant()))).moveTo(SessionStatus.IDLE).commit();
      return;
    }
    List<StoredEvent> stored = w.commit();
    for (StoredEvent e : stored) {
      if (e.type().equals(McpEvents.USE)) {
        var p = Events.payload(e);
        Optional<String> refused = Permissions.refusal(p);
        if (refused.isPresent()) {
          append(List.of(McpEvents.result(e.id(), refused.get(), true, now())));
        } else if (!Permissions.asks(p)) {
          journal.beforeSideEffect(); // what the call follows is durable before it
          append(List.of(mcp.answer(session, e, c, this::append, observed)));
        }
        continue;
      }
      if (!e.type().equals("agent.tool_use")) {
        continue;
      }
      if (c.isCancelled()) {
        return; // the interrupt step answers the calls not yet run
      }
      var p = Events.payload(e);
      Optional<String> refused = Permissions.refusal(p);
      if (refused.isPresent()) {
        append(List.of(Events.toolResult(e.id(), refused.get(), true, now())));
      } else if (!Permissions.asks(p)) {
        toolCalls.run(session, e.id(), p.path("name").asText(), p.path("input"), c);
      }
    }
  }

  /**
   * Settles one {@code user.tool_confirmation}: a deny journals the refusal for the model and marks
   * the answer processed in one commit; an allow marks it processed, then runs the call (so a run
   * that dies while the tool runs finds it open, as after any crash mid-tool).
   */
  private void settle(Permissions.Answer a, LogState s, Session session) {
    List<StoredEvent> answer = List.of(a.confirmation());
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
    if (a.pending() && a.allow() && a.use().type().equals(McpEvents.USE)) {
      journal.beforeSideEffect();
      append(List.of(mcp.answer(session, a.use(), newCancellation(), this::append, observed)));
    } else if (a.pending() && a.allow()) {
      var p = Events.payload(a.use());
      toolCalls.run(
          session, a.use().id(), p.path("name").asText(), p.path("input"), newCancellation());
    }
  }

  /** Summarises the log through {@code through} in a separate request; the log keeps it all. */
  private void compact(AgentSpec spec, List<StoredEvent> log, long through, LogState s) {
    List<StoredEvent> prefix = log.stream().filter(e -> e.seq() <= through).toList();
    Context upTo = ContextBuilder.build(prefix, config.toolResultContextChars());
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

  private java.time.Instant now() {
    return clock.instant();
  }
}
