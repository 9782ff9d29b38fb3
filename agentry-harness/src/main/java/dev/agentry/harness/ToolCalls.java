package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.Checkpointer;
import dev.agentry.core.Session;
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

  private final String sessionId;
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
                      : sandbox.execute(sessionId, name, input, c));
    } catch (RuntimeException e) {
      LOG.warn("session {}: tool {} threw", sessionId, name, e);
      out = ToolOutcome.error("the tool failed: " + e.getMessage());
    }
    if (c.isCancelled()) {
      out = ToolOutcome.error(Events.INTERRUPTED_TOOL);
    }
    if (!RuntimeTools.runs(name) && !readOnly.contains(name)) {
      checkpoints.checkpoint(sessionId, journal.committed(), fence.getAsLong());
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
}
