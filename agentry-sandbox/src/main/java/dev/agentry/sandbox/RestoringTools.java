package dev.agentry.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ThreadView;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Built-in tools over workspaces that move: before a run's first call, the session's workspace is
 * restored from its checkpoint if this node's copy is missing or behind it (one indexed read when
 * it is current). A call whose workspace cannot be restored fails, rather than run over an empty or
 * old copy, and the run's next call tries again.
 *
 * <p>Once per run, not per call: a checkpoint is recorded only by the lease's holder (fenced) or by
 * a node whose copy is current and unchanged (a fork of an idle session), and the run holds the
 * lease from its first call, so the record does not move under it except by this node's own
 * checkpoints, which leave this copy current (docs/decisions/0050). Executors not {@linkplain
 * #forRun scoped to a run} check before every call.
 */
public final class RestoringTools implements ToolExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(RestoringTools.class);

  private final ToolExecutor tools;
  private final WorkspaceCheckpoints checkpoints;

  private RestoringTools(ToolExecutor tools, WorkspaceCheckpoints checkpoints) {
    this.tools = tools;
    this.checkpoints = checkpoints;
  }

  public static ToolExecutor over(ToolExecutor tools, WorkspaceCheckpoints checkpoints) {
    return new RestoringTools(tools, checkpoints);
  }

  @Override
  public ToolOutcome execute(
      String sessionId, String name, JsonNode input, Cancellation cancellation) {
    return execute(sessionId, ThreadView.primaryId(sessionId), name, input, cancellation);
  }

  @Override
  public ToolOutcome execute(
      String sessionId, String threadId, String name, JsonNode input, Cancellation cancellation) {
    return restored(sessionId)
        ? tools.execute(sessionId, threadId, name, input, cancellation)
        : refused();
  }

  @Override
  public void prepare(String sessionId) {
    tools.prepare(sessionId); // a restore that follows closes what this starts
  }

  @Override
  public ToolExecutor forRun(String sessionId) {
    return new Run(sessionId);
  }

  /** Whether the session's workspace is current here, restored if it was behind. */
  private boolean restored(String sessionId) {
    try {
      checkpoints.restoreIfBehind(sessionId);
      return true;
    } catch (RuntimeException e) {
      LOG.warn("session {}: cannot restore the workspace from its checkpoint", sessionId, e);
      return false;
    }
  }

  private static ToolOutcome refused() {
    return ToolOutcome.error(
        "the session's workspace could not be restored from its checkpoint on this node;"
            + " the call did not run (try again)");
  }

  /** One run's calls: the workspace is checked at the first, and again only after a failure. */
  private final class Run implements ToolExecutor {
    private final String runSessionId;
    private boolean current;

    Run(String sessionId) {
      this.runSessionId = sessionId;
    }

    @Override
    public ToolOutcome execute(
        String sessionId, String name, JsonNode input, Cancellation cancellation) {
      return execute(sessionId, ThreadView.primaryId(sessionId), name, input, cancellation);
    }

    @Override
    public ToolOutcome execute(
        String sessionId, String threadId, String name, JsonNode input, Cancellation cancellation) {
      if (!sessionId.equals(runSessionId)) {
        return RestoringTools.this.execute(sessionId, threadId, name, input, cancellation);
      }
      synchronized (this) {
        if (!current) {
          current = restored(sessionId);
          if (!current) {
            return refused();
          }
        }
      }
      return tools.execute(sessionId, threadId, name, input, cancellation);
    }

    @Override
    public void prepare(String sessionId) {
      tools.prepare(sessionId);
    }
  }
}
