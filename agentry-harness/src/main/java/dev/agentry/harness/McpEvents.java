package dev.agentry.harness;

import dev.agentry.core.Event;
import dev.agentry.core.EventCodec;
import dev.agentry.core.EventDraft;
import dev.agentry.core.LogEntry;
import java.time.Instant;

/**
 * The MCP tool events ({@code agent.mcp_tool_use}, {@code agent.mcp_tool_result}), and the result
 * that answers any kind of tool use.
 */
final class McpEvents {
  static final String USE = "agent.mcp_tool_use";
  static final String RESULT = "agent.mcp_tool_result";

  private McpEvents() {}

  static EventDraft result(String useId, String text, boolean isError, Instant at) {
    return EventCodec.draft(
        new Event.AgentMcpToolResult(useId, Events.textContent(text), isError), at);
  }

  /** The result event that answers {@code use}, whether a built-in or an MCP tool use. */
  static EventDraft resultFor(LogEntry use, String text, boolean isError, Instant at) {
    return use.event() instanceof Event.AgentMcpToolUse
        ? result(use.id(), text, isError, at)
        : Events.toolResult(use.id(), text, isError, at);
  }
}
