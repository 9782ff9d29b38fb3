package dev.agentry.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ThreadView;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Built-in tools over workspaces that move: before each call, the session's workspace is restored
 * from its checkpoint if this node's copy is missing or behind it (one indexed read when it is
 * current). A call whose workspace cannot be restored fails, rather than run over an empty or old
 * copy.
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
    try {
      checkpoints.restoreIfBehind(sessionId);
    } catch (RuntimeException e) {
      LOG.warn("session {}: cannot restore the workspace from its checkpoint", sessionId, e);
      return ToolOutcome.error(
          "the session's workspace could not be restored from its checkpoint on this node;"
              + " the call did not run (try again)");
    }
    return tools.execute(sessionId, threadId, name, input, cancellation);
  }
}
