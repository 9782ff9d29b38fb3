package dev.agentry.harness;

import dev.agentry.core.Cancellation;
import dev.agentry.core.Event;
import dev.agentry.core.EventCodec;
import dev.agentry.core.EventDraft;
import dev.agentry.core.Json;
import dev.agentry.core.LogEntry;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelUsage;
import dev.agentry.core.Session;
import dev.agentry.core.SessionStatus;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the session's runner does for an outcome ({@link OutcomeState}): starts the agent's work on
 * one defined at rest, turns the end of each of the agent's attempts into an evaluation, runs the
 * grader ({@link Grader}) with heartbeats while it works, and journals its verdict with the tokens
 * it used (docs/decisions/0043). Everything it writes is in the log before it is acted on: a run
 * that dies mid-evaluation leaves the evaluation open, and the next run grades again.
 */
final class Outcomes {
  private static final Logger LOG = LoggerFactory.getLogger(Outcomes.class);

  /**
   * Where the grader's request waits while the runner's thread sends heartbeats, one virtual thread
   * each (as {@link Journal}'s commits ahead): the journal is written from the runner's thread
   * only.
   */
  private static final ExecutorService GRADING = Executors.newVirtualThreadPerTaskExecutor();

  static final String INTERRUPTED_EXPLANATION =
      "The evaluation was interrupted by a user.interrupt before the grader answered.";

  private final String sessionId;
  private final Journal journal;
  private final Clock clock;
  private final Grader grader;
  private final OutcomeSettings settings;
  private final Rubrics rubrics;

  Outcomes(
      String sessionId,
      Journal journal,
      Clock clock,
      ModelClient model,
      HarnessConfig config,
      Rubrics rubrics) {
    this.sessionId = sessionId;
    this.journal = journal;
    this.clock = clock;
    this.grader = new Grader(model, config.maxOutputTokens());
    this.settings = config.outcomes();
    this.rubrics = rubrics;
  }

  /** An outcome defined on a session at rest starts work by itself: the turn begins. */
  void startWork() {
    journal.write(List.of(Events.running(clock.instant()))).moveTo(SessionStatus.RUNNING).commit();
  }

  /**
   * What ends the agent's turn instead of {@code session.status_idle} when an outcome is active:
   * the start of its next evaluation (the session stays running). Empty when no outcome is, or the
   * agent has not worked on it; {@code afterRequest}: the step's own model request did (the step's
   * state was read before it started).
   */
  Optional<EventDraft> evaluationInsteadOfIdle(LogState s, boolean afterRequest) {
    boolean due =
        s.outcome.evaluationDue()
            || (afterRequest && s.outcome.active() && s.outcome.openEvaluation() == null);
    if (!due) {
      return Optional.empty();
    }
    return Optional.of(
        EventCodec.draft(
            new Event.SpanOutcomeEvaluationStart(s.outcome.outcomeId(), s.outcome.iteration()),
            clock.instant()));
  }

  /** An interrupt's answer to the evaluation under way, if one is: it ends as interrupted. */
  Optional<EventDraft> interrupted(LogState s) {
    LogEntry start = s.outcome.openEvaluation();
    if (start == null) {
      return Optional.empty();
    }
    return Optional.of(end(start, OutcomeState.INTERRUPTED, INTERRUPTED_EXPLANATION, null));
  }

  /**
   * Runs the open evaluation: heartbeats while the grader works, then its verdict, with the session
   * idle after a terminal one. Returns without writing the end if the evaluation was cancelled (an
   * interrupt, whose step answers it, or the run stopping: the next run grades again).
   */
  void evaluate(
      LogState s, Session session, List<LogEntry> log, Supplier<Cancellation> newCancellation) {
    LogEntry start = s.outcome.openEvaluation();
    Event.UserDefineOutcome outcome = s.outcome.definition();
    String model = settings.graderModelOverride().orElse(session.agent().spec().model().id());
    Cancellation c = newCancellation.get();
    if (c.isCancelled()) {
      return;
    }
    journal.append(List.of(ongoing(start)));
    Optional<String> rubric = rubric(outcome);
    Grader.Verdict verdict;
    if (rubric.isEmpty()) {
      verdict =
          new Grader.Verdict(
              OutcomeState.FAILED,
              "The rubric file "
                  + outcome.rubric().path("file_id").asText()
                  + " could not be read; the work was not graded.",
              ModelUsage.ZERO);
    } else {
      List<LogEntry> work = List.copyOf(log);
      Future<Grader.Verdict> grading =
          GRADING.submit(
              () -> grader.grade(model, outcome, rubric.get(), s.outcome.defineEntry(), work, c));
      try {
        verdict = await(grading, start);
      } finally {
        if (!grading.isDone()) {
          c.cancel(); // the run left (its lease moved on): the request is not awaited
        }
      }
      if (verdict == null) {
        return;
      }
    }
    String result = verdict.result();
    int iteration = ((Event.SpanOutcomeEvaluationStart) start.event()).iteration();
    if (OutcomeState.NEEDS_REVISION.equals(result) && iteration + 1 >= s.outcome.maxIterations()) {
      result = OutcomeState.MAX_ITERATIONS_REACHED;
    }
    Journal.Write w =
        journal
            .write(List.of(end(start, result, verdict.explanation(), verdict.usage())))
            .usage(verdict.usage());
    if (OutcomeState.SATISFIED.equals(result) || OutcomeState.FAILED.equals(result)) {
      w.then(List.of(Events.idle("end_turn", clock.instant()))).moveTo(SessionStatus.IDLE);
    }
    w.commit();
  }

  /** The grader's verdict, a heartbeat appended at each interval it takes; null if cancelled. */
  private Grader.Verdict await(Future<Grader.Verdict> grading, LogEntry start) {
    while (true) {
      try {
        return grading.get(settings.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException stillGrading) {
        journal.append(List.of(ongoing(start)));
      } catch (ExecutionException e) {
        if (e.getCause() instanceof ModelException.Cancelled) {
          return null;
        }
        LOG.warn("session {}: the grader failed", sessionId, e.getCause());
        return new Grader.Verdict(
            OutcomeState.FAILED,
            "The grader failed unexpectedly (" + e.getCause().getClass().getSimpleName() + ").",
            ModelUsage.ZERO);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }

  private Optional<String> rubric(Event.UserDefineOutcome outcome) {
    var r = outcome.rubric();
    if ("text".equals(r.path("type").asText())) {
      return Optional.of(r.path("content").asText());
    }
    try {
      return rubrics.text(sessionId, r.path("file_id").asText());
    } catch (RuntimeException e) {
      LOG.warn("session {}: the rubric file could not be read", sessionId, e);
      return Optional.empty(); // the evaluation fails and says so
    }
  }

  private EventDraft ongoing(LogEntry start) {
    var s = (Event.SpanOutcomeEvaluationStart) start.event();
    return EventCodec.draft(
        new Event.SpanOutcomeEvaluationOngoing(s.outcomeId(), s.iteration()), clock.instant());
  }

  private EventDraft end(LogEntry start, String result, String explanation, ModelUsage usage) {
    var open = (Event.SpanOutcomeEvaluationStart) start.event();
    return EventCodec.draft(
        new Event.SpanOutcomeEvaluationEnd(
            start.id(),
            open.outcomeId(),
            open.iteration(),
            result,
            explanation,
            Json.mapper().valueToTree(Event.TokenUsage.of(usage))),
        clock.instant());
  }
}
