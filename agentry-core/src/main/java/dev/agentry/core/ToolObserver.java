package dev.agentry.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Supplier;

/**
 * Where the harness reports each tool call it runs itself, without knowing the metrics or tracing
 * library: the server implements it with Prometheus and OpenTelemetry. Every route goes through it
 * once: the sandbox's built-in tools, the runtime's {@code web_fetch}/{@code web_search}, and MCP
 * servers' tools. Custom tools are run by the client, not the harness, so they never pass here.
 */
@FunctionalInterface
public interface ToolObserver {
  /** The name reported for any MCP server's tool: agents name those, so they are unbounded. */
  String MCP = "mcp";

  /** The name reported for a call of a tool the harness does not know (a model's invention). */
  String OTHER = "other";

  /** Observes nothing. */
  ToolObserver NONE = (sessionId, tool, input, cancellation, call) -> call.get();

  /**
   * Runs {@code call}, one call of tool {@code tool} for the session, on this thread and returns
   * its outcome; an exception from {@code call} passes through. {@code tool} is bounded, fit for a
   * metric label: a built-in tool's name, {@link #MCP} or {@link #OTHER}. An observer records how
   * long the call took and whether it failed or was interrupted ({@code cancellation}); it records
   * the call's {@code input} and output only where its operator opted in, and never a secret.
   */
  ToolOutcome observe(
      String sessionId,
      String tool,
      JsonNode input,
      Cancellation cancellation,
      Supplier<ToolOutcome> call);
}
