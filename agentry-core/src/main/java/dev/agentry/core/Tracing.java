package dev.agentry.core;

/**
 * Where the harness marks the spans of its work, without knowing the tracing library: the server
 * implements it with OpenTelemetry. A span opened here is the parent of the spans the model client
 * and tool executor open on the same thread until it is closed.
 */
public interface Tracing {
  /** Records nothing. */
  Tracing NONE = sessionId -> Span.NONE;

  /** Opens the span of one turn of the session and makes it current on this thread. */
  Span turn(String sessionId);

  /** An open span; close it on the thread that opened it. Attributes never carry content. */
  interface Span extends AutoCloseable {
    Span NONE = () -> {};

    @Override
    void close();
  }
}
