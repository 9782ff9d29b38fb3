package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.Redactor;
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
 * name and outcome; the harness names MCP tools only {@code mcp}. The call's arguments and result
 * are added only when the operator opts in ({@link Telemetry#capturesContent()}), redacted of every
 * known secret and cut to {@value #MAX_CONTENT} characters.
 */
final class ObservedTools implements ToolObserver {
  static final AttributeKey<String> TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("agentry.tool.outcome");
  static final AttributeKey<String> ARGUMENTS =
      AttributeKey.stringKey("gen_ai.tool.call.arguments");
  static final AttributeKey<String> RESULT = AttributeKey.stringKey("gen_ai.tool.call.result");
  static final int MAX_CONTENT = 8192;

  private final Metrics metrics;
  private final Tracer tracer;

  /** Redacts what the spans record of a call; null when they record no content. */
  private final Redactor content;

  ObservedTools(Metrics metrics, Telemetry telemetry, Redactor redactor) {
    this.metrics = metrics;
    this.tracer = telemetry.tracer();
    this.content = telemetry.capturesContent() ? redactor : null;
  }

  private String captured(String text) {
    String clean = content.redact(text);
    return clean.length() <= MAX_CONTENT ? clean : clean.substring(0, MAX_CONTENT) + "…";
  }

  @Override
  public ToolOutcome observe(
      String sessionId,
      String name,
      JsonNode input,
      Cancellation cancellation,
      Supplier<ToolOutcome> call) {
    String tool = Metrics.tool(name);
    Span span =
        tracer
            .spanBuilder("execute_tool " + tool)
            .setAttribute("gen_ai.operation.name", "execute_tool")
            .setAttribute(TOOL_NAME, tool)
            .setAttribute(Telemetry.SESSION_ID, sessionId)
            .startSpan();
    if (content != null && input != null) {
      span.setAttribute(ARGUMENTS, captured(input.toString()));
    }
    long start = System.nanoTime();
    Scope scope = span.makeCurrent();
    try {
      ToolOutcome out = call.get();
      metrics.toolCall(tool, System.nanoTime() - start, out.isError());
      String outcome = cancellation.isCancelled() ? "interrupted" : out.isError() ? "error" : "ok";
      span.setAttribute(OUTCOME, outcome);
      if (content != null) {
        span.setAttribute(RESULT, captured(out.text()));
      }
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
