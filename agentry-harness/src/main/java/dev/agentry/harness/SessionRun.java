package dev.agentry.harness;

import dev.agentry.core.Checkpointer;
import dev.agentry.core.Event;
import dev.agentry.core.EventCodec;
import dev.agentry.core.EventStore;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelException;
import dev.agentry.core.PreviewSink;
import dev.agentry.core.SessionRepository;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.Store;
import dev.agentry.core.StoreException;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.SystemPrompt;
import dev.agentry.core.ThreadView;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolObserver;
import dev.agentry.core.Tracing;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of one session under its lease: takes the lease, steps the session's threads until none
 * has work ({@link ThreadSteps}: the session's {@link Runner}, and a coordinator's member threads'
 * at once), and hears the store's news of the log meanwhile, which wakes the threads that wait and
 * routes an interrupt to its thread. When the run ends, what its threads deferred is written, the
 * workspace is checkpointed and the lease given back; the next run resumes from the log.
 */
final class SessionRun {
  private static final Logger LOG = LoggerFactory.getLogger(SessionRun.class);

  private static final String INTERRUPT = EventCodec.type(Event.UserInterrupt.class);

  private final String sessionId;
  private final Store store;
  private final Checkpointer checkpoints;
  private final RunLease lease;
  private final Runner session;
  private final ThreadSteps steps;
  private volatile boolean stopping;

  SessionRun(
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
      SystemPrompt prompts,
      Rubrics rubrics) {
    this.sessionId = sessionId;
    this.store = store;
    this.checkpoints = checkpoints;
    this.lease = new RunLease(store, sessionId, owner, clock, config.leaseTtl(), timer, this::stop);
    this.session =
        new Runner(
            sessionId,
            store,
            model,
            tools,
            config,
            clock,
            lease,
            () -> stopping,
            previews,
            mcp,
            tracing,
            observer,
            checkpoints,
            prompts,
            rubrics);
    this.steps = new ThreadSteps(session, () -> stopping, this::cancelAll);
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
    stopping = true;
    cancelAll();
  }

  /** Cancels what every thread's runner is doing. */
  private void cancelAll() {
    everyRunner(Runner::cancel);
  }

  private void everyRunner(Consumer<Runner> action) {
    action.accept(session);
    Threads threads = session.threads();
    if (threads != null) {
      threads.runners().forEach(action);
    }
  }

  /** Runs the session until it has no work; false if another runner holds its lease. */
  boolean run() {
    if (!lease.begin()) {
      return false; // another runner owns the session; it reads the same log
    }
    Journal journal = session.journal();
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
      failUnexpectedly(journal, e);
    } finally {
      everyRunner(Runner::end); // what each deferred is written, unless the lease has moved on
      sub.close();
      if (lease.held()) {
        // The next holder, maybe on another node, restores it; it covers the log this run read
        checkpoints.checkpoint(sessionId, journal.durable(), lease.token());
      }
      lease.release();
    }
    return true;
  }

  /**
   * A bug or an unavailable dependency broke the run: say so in the log and leave the session idle
   * rather than stuck in running. The message names the failure's kind, never its details, which
   * could carry secrets.
   */
  private void failUnexpectedly(Journal journal, RuntimeException e) {
    LOG.error("session {}: the run failed unexpectedly", sessionId, e);
    try {
      ModelException reported =
          new ModelException(
              "unknown_error",
              "the agent loop failed unexpectedly (" + e.getClass().getSimpleName() + ")",
              false,
              0,
              null);
      journal
          .write(
              List.of(
                  Events.error(reported, "terminal", session.now()),
                  Events.idle(Runner.FAILED, session.now())))
          .moveTo(SessionStatus.IDLE)
          .commit();
    } catch (RuntimeException again) {
      LOG.error("session {}: could not record the failure", sessionId, again);
    }
  }

  /**
   * This process appended to the session and woke it ({@link Harness#wake}), on the appender's
   * thread, so before its caller returns. The store's notification ({@link #onEvent}) comes later
   * on another thread: a step that relied on it alone could end the turn over a user event already
   * committed. Treated as a queued event: the next step of each thread reads the log and decides.
   */
  void woken() {
    everyRunner(Runner::queuedArrived);
    steps.changed();
  }

  /**
   * The store's thread: must not block. The log changed, so waiting threads look again; an
   * interrupt cancels what its thread's step is doing (one without a thread is the coordinator's,
   * which queues one for each busy member).
   */
  private void onEvent(StoredEvent e) {
    if (e.processedAt() == null) {
      everyRunner(Runner::queuedArrived);
      if (e.type().equals(INTERRUPT)) {
        interrupted(ThreadView.tag(e.payload()));
      }
    }
    steps.changed();
  }

  private void interrupted(String threadId) {
    Threads threads = session.threads();
    Runner r =
        threadId == null || threads == null || threadId.equals(session.threadId())
            ? session
            : threads.runner(threadId).orElse(null);
    if (r != null) {
      r.interruptArrived();
    }
  }
}
