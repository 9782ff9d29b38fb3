package dev.agentry.harness;

import dev.agentry.core.Cancellation;
import dev.agentry.core.EventDraft;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.PreviewSink;
import dev.agentry.core.SessionStatus;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's model requests: each inside its span, its failure journalled, and a retryable one
 * followed by the backoff before the run's next step asks again (moved out of {@link Runner}).
 */
final class ModelCalls {
  private static final Logger LOG = LoggerFactory.getLogger(ModelCalls.class);

  /** A response to act on, the id of its span's start, and the previews streamed for it. */
  record Answer(ModelResponse response, String startId, Previews preview) {}

  private final String sessionId;
  private final ModelClient model;
  private final PreviewSink previews;
  private final Journal journal;
  private final HarnessConfig config;
  private final Clock clock;

  ModelCalls(
      String sessionId,
      ModelClient model,
      PreviewSink previews,
      Journal journal,
      HarnessConfig config,
      Clock clock) {
    this.sessionId = sessionId;
    this.model = model;
    this.previews = previews;
    this.journal = journal;
    this.config = config;
    this.clock = clock;
  }

  /**
   * One model request inside its span; failures are journalled and retried per the config. Empty
   * when there is no response to act on.
   *
   * <p>The span's start, with what the step deferred (the last tool's result), commits while the
   * request is in flight, so the request's wait hides the fsync. Nothing is journalled after it,
   * and the response is not acted on, before that commit is durable. A run that dies meanwhile
   * loses only what no one was told of: the request is issued again, and an unanswered tool call's
   * outcome is unknown, as after any crash mid-tool.
   */
  Optional<Answer> call(ModelRequest request, LogState s, Supplier<Cancellation> newCancellation) {
    EventDraft start = Events.spanStart(clock.instant());
    Journal.Ahead started = journal.write(List.of(start)).commitAhead();
    Cancellation c = newCancellation.get();
    Previews preview = null;
    ModelResponse response = null;
    ModelException failure = null;
    boolean unexpected = false;
    try {
      preview = new Previews(sessionId, previews);
      response = model.send(request, preview, c);
    } catch (ModelException e) {
      failure = e;
    } catch (RuntimeException e) {
      LOG.warn("session {}: model client failed", sessionId, e);
      failure = new ModelException("unknown_error", String.valueOf(e), false, 0, null);
      unexpected = true;
    } finally {
      started.join(); // throws if the lease moved on: the response is dropped with the run
    }
    if (failure != null) {
      if (!unexpected && (c.isCancelled() || failure instanceof ModelException.Cancelled)) {
        journal.append(List.of(Events.spanEnd(start.id(), true, null, clock.instant())));
      } else {
        failed(start.id(), failure, s, c);
      }
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
    return Optional.of(new Answer(response, start.id(), preview));
  }

  private void failed(String startId, ModelException e, LogState s, Cancellation c) {
    int failure = s.failuresInARow + 1;
    EventDraft end = Events.spanEnd(startId, true, null, clock.instant());
    if (!e.retryable()) {
      append(
          List.of(end, Events.error(e, "terminal", now()), Events.idle(Runner.FAILED, now())),
          SessionStatus.IDLE);
    } else if (failure >= config.modelRetryAttempts()) {
      append(
          List.of(
              end,
              Events.error(e, "exhausted", now()),
              Events.idle(Runner.FAILED, clock.instant())),
          SessionStatus.IDLE);
    } else {
      append(
          List.of(end, Events.error(e, "retrying", now()), Events.rescheduled(now())),
          SessionStatus.RESCHEDULING);
      Backoff.await(Backoff.delay(config, failure, e), c);
    }
  }

  /** Appends {@code drafts} and moves the session to {@code status}, in one commit. */
  private void append(List<EventDraft> drafts, SessionStatus status) {
    journal.write(drafts).moveTo(status).commit();
  }

  private java.time.Instant now() {
    return clock.instant();
  }
}
