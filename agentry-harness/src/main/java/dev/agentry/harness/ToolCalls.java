package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.Checkpointer;
import dev.agentry.core.Session;
import dev.agentry.core.StoreException;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolObserver;
import dev.agentry.core.ToolOutcome;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a run's built-in and web tool calls, one at a time: what the call follows is made durable
 * first, the call passes the observer, and its result is journalled (committed with the run's next
 * write, at the latest before the next call or model request).
 *
 * <p>A side-effecting sandbox call is followed by a checkpoint of the workspace before its result
 * is journalled: a node that dies after the result is committed has then saved what the call did,
 * so the node that takes the session over restores a workspace that has every effect the log
 * reports (a node that dies before the commit leaves the call's outcome unknown, which the model is
 * told).
 */
final class ToolCalls {
  private static final Logger LOG = LoggerFactory.getLogger(ToolCalls.class);

  /** Tries at checkpointing after a side-effecting call, 250 ms apart and doubling. */
  private static final int CHECKPOINT_ATTEMPTS = 3;

  private static final long CHECKPOINT_RETRY_MS = 250;

  private final String sessionId;

  /** The session thread the calls are made for: bash keeps a shell per thread (ADR 0047). */
  private final String threadId;

  private final ToolExecutor sandbox;
  private final RuntimeTools runtime;
  private final ToolObserver observer;
  private final Journal journal;
  private final Clock clock;
  private final Checkpointer checkpoints;
  private final Set<String> readOnly;
  private final java.util.function.LongSupplier fence;

  ToolCalls(
      String sessionId,
      String threadId,
      ToolExecutor sandbox,
      RuntimeToolSettings settings,
      ToolObserver observer,
      Journal journal,
      Clock clock,
      Checkpointer checkpoints,
      Set<String> readOnly,
      java.util.function.LongSupplier fence) {
    this.fence = fence;
    this.checkpoints = checkpoints;
    this.readOnly = readOnly;
    this.sessionId = sessionId;
    this.threadId = threadId;
    this.sandbox = sandbox.forRun(sessionId); // checks what it must once per run
    this.runtime = new RuntimeTools(settings);
    this.observer = observer;
    this.journal = journal;
    this.clock = clock;
  }

  /** Before a model request that offers sandbox tools: the sandbox starts meanwhile. */
  void prepare() {
    sandbox.prepare(sessionId);
  }

  void run(Session session, String toolUseId, String name, JsonNode input, Cancellation c) {
    journal.beforeSideEffect();
    ToolOutcome out;
    try {
      out =
          observer.observe(
              sessionId,
              Toolset.observedName(name),
              input,
              c,
              () ->
                  RuntimeTools.runs(name)
                      ? runtime.execute(session.agent().spec(), journal::read, name, input, c)
                      : sandbox.execute(sessionId, threadId, name, input, c));
    } catch (StoreException.Unavailable e) {
      // The database, not the tool (a read after the call, say): reported as the tool's failure,
      // a call that ran would read as one that did not. The run pauses for the outage instead,
      // and the call, found open when it resumes, is answered as any interrupted call is.
      throw e;
    } catch (RuntimeException e) {
      LOG.warn("session {}: tool {} threw", sessionId, name, e);
      out = ToolOutcome.error("the tool failed: " + e.getMessage());
    }
    if (c.isCancelled()) {
      out = ToolOutcome.error(Events.INTERRUPTED_TOOL);
    }
    if (!RuntimeTools.runs(name) && !readOnly.contains(name)) {
      saveWorkspace(name);
    }
    var result = Events.toolResult(toolUseId, out.text(), out.isError(), clock.instant());
    // A failure the client must see too (packages that did not install) precedes the result.
    Journal.Write w =
        journal.write(
            out.reportedError()
                .map(
                    e ->
                        List.of(
                            dev.agentry.core.EventCodec.draft(
                                new dev.agentry.core.Event.SessionError(e), clock.instant()),
                            result))
                .orElse(List.of(result)));
    if (RuntimeTools.runs(name)) {
      w.serverToolUse(name); // counted with its result, whatever the outcome (docs/pricing.md)
    }
    w.defer();
  }

  /**
   * Checkpoints the workspace after a side-effecting call, trying again a few times; if it still
   * fails the result is not journalled: the run pauses as for a database outage, and the call,
   * found open when it resumes, is answered "outcome unknown" (a result reported done while its
   * effect exists on this node alone would be lost to the node that takes the session over).
   */
  private void saveWorkspace(String name) {
    for (int attempt = 1;
        !checkpoints.checkpoint(sessionId, journal.durable(), fence.getAsLong());
        attempt++) {
      if (attempt == CHECKPOINT_ATTEMPTS) {
        throw new StoreException.Unavailable(
            "the workspace could not be checkpointed after " + name + "; its result is held back",
            null);
      }
      try {
        Thread.sleep(CHECKPOINT_RETRY_MS << (attempt - 1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException.Unavailable("interrupted while checkpointing the workspace", e);
      }
    }
  }
}
