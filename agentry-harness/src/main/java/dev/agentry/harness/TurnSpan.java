package dev.agentry.harness;

import dev.agentry.core.ToolObserver;
import dev.agentry.core.Tracing;

/**
 * The span of one thread's turn in a run (moved out of {@link Runner}): opened by its first model
 * request or tool call, on the thread's own virtual thread, where it parents the thread's requests
 * and calls; closed there when the run ends ({@link ThreadSteps}).
 */
final class TurnSpan {
  private final Tracing tracing;
  private final String sessionId;
  private Tracing.Span span;

  TurnSpan(Tracing tracing, String sessionId) {
    this.tracing = tracing;
    this.sessionId = sessionId;
  }

  /** The span of another thread's turn in the same run. */
  TurnSpan another() {
    return new TurnSpan(tracing, sessionId);
  }

  void open() {
    if (span == null) {
      span = tracing.turn(sessionId);
    }
  }

  /** Ends the span, if it was opened. */
  void close() {
    if (span != null) {
      span.close();
      span = null;
    }
  }

  /**
   * {@code observer}, observing each call after opening the span, so that the call is inside it.
   */
  ToolObserver around(ToolObserver observer) {
    return (id, tool, input, c, call) -> {
      open();
      return observer.observe(id, tool, input, c, call);
    };
  }
}
