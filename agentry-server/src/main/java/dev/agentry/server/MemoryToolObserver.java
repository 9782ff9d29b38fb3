package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ToolObserver;
import dev.agentry.core.ToolOutcome;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Syncs a session's memory stores after each of its tool calls (the agent writes them with its
 * ordinary tools), and tells the agent in that call's result what the store refused or replaced: a
 * call that wrote a file the store cannot take is an error the agent sees at once.
 */
final class MemoryToolObserver implements ToolObserver {
  private static final Logger LOG = LoggerFactory.getLogger(MemoryToolObserver.class);

  private final ToolObserver next;
  private final MemorySync memory;

  MemoryToolObserver(ToolObserver next, MemorySync memory) {
    this.next = next;
    this.memory = memory;
  }

  @Override
  public ToolOutcome observe(
      String sessionId,
      String tool,
      JsonNode input,
      Cancellation cancellation,
      Supplier<ToolOutcome> call) {
    ToolOutcome out = next.observe(sessionId, tool, input, cancellation, call);
    List<String> notes;
    try {
      notes = memory.sync(sessionId);
    } catch (RuntimeException e) {
      // The call itself is done; the turn's end (or the next call) syncs again.
      LOG.warn("session {}: memory sync after {} failed", sessionId, tool, e);
      return out;
    }
    if (notes.isEmpty()) {
      return out;
    }
    return ToolOutcome.error(out.text() + "\n\n[memory] " + String.join("\n[memory] ", notes));
  }
}
