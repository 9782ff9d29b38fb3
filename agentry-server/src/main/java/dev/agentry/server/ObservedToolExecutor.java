package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolOutcome;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;

/**
 * Times every built-in tool call and counts its errors ({@link Metrics}), inside a span that is a
 * child of the turn's span. The span holds the tool's name and outcome, never its input or output.
 */
final class ObservedToolExecutor implements ToolExecutor {
  static final AttributeKey<String> TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("agentry.tool.outcome");

  private final ToolExecutor delegate;
  private final Metrics metrics;
  private final Tracer tracer;

  ObservedToolExecutor(ToolExecutor delegate, Metrics metrics, Tracer tracer) {
    this.delegate = delegate;
    this.metrics = metrics;
    this.tracer = tracer;
  }

  @Override
  public ToolOutcome execute(
      String sessionId, String name, JsonNode input, Cancellation cancellation) {
    String tool = Metrics.tool(name);
    Span span =
        tracer
            .spanBuilder("execute_tool " + tool)
            .setAttribute("gen_ai.operation.name", "execute_tool")
            .setAttribute(TOOL_NAME, tool)
            .startSpan();
    long start = System.nanoTime();
    Scope scope = span.makeCurrent();
    try {
      ToolOutcome out = delegate.execute(sessionId, name, input, cancellation);
      metrics.toolCall(tool, System.nanoTime() - start, out.isError());
      String outcome = cancellation.isCancelled() ? "interrupted" : out.isError() ? "error" : "ok";
      span.setAttribute(OUTCOME, outcome);
      if (out.isError()) {
        span.setStatus(StatusCode.ERROR);
      }
      return out;
    } catch (RuntimeException e) {
      metrics.toolCall(tool, System.nanoTime() - start, true);
      span.setAttribute(OUTCOME, "error");
      span.setAttribute(ObservedModelClient.ERROR_TYPE, e.getClass().getSimpleName());
      span.setStatus(StatusCode.ERROR);
      throw e;
    } finally {
      scope.close();
      span.end();
    }
  }
}
