package dev.agentry.server;

import dev.agentry.core.Cancellation;
import dev.agentry.core.ToolObserver;
import dev.agentry.core.ToolOutcome;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.util.function.Supplier;

/**
 * Times every tool call the harness runs (built-in, web and MCP tools) and counts its errors
 * ({@link Metrics}), inside a span that is a child of the turn's span. The span holds the tool's
 * name and outcome, never its input or output; the harness names MCP tools only {@code mcp}.
 */
final class ObservedTools implements ToolObserver {
  static final AttributeKey<String> TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("agentry.tool.outcome");

  private final Metrics metrics;
  private final Tracer tracer;

  ObservedTools(Metrics metrics, Tracer tracer) {
    this.metrics = metrics;
    this.tracer = tracer;
  }

  @Override
  public ToolOutcome observe(
      String sessionId, String name, Cancellation cancellation, Supplier<ToolOutcome> call) {
    String tool = Metrics.tool(name);
    Span span =
        tracer
            .spanBuilder("execute_tool " + tool)
            .setAttribute("gen_ai.operation.name", "execute_tool")
            .setAttribute(TOOL_NAME, tool)
            .setAttribute(Telemetry.SESSION_ID, sessionId)
            .startSpan();
    long start = System.nanoTime();
    Scope scope = span.makeCurrent();
    try {
      ToolOutcome out = call.get();
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
