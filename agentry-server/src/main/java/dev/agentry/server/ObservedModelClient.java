package dev.agentry.server;

import dev.agentry.core.Cancellation;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
import dev.agentry.core.ModelUsage;
import dev.agentry.core.SessionUsage;
import dev.agentry.harness.PriceTable;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.math.BigDecimal;
import java.util.List;

/**
 * Times every model request and counts its tokens, list cost and failures ({@link Metrics}), inside
 * a span with the GenAI semantic-convention attributes, child of the turn's span. Only the model
 * id, token counts and finish reason are recorded: never prompts, outputs or keys.
 */
final class ObservedModelClient implements ModelClient {
  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("gen_ai.system");
  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<Long> MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
  static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  static final AttributeKey<Long> OUTPUT_TOKENS =
      AttributeKey.longKey("gen_ai.usage.output_tokens");
  static final AttributeKey<List<String>> FINISH_REASONS =
      AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private final ModelClient delegate;
  private final Metrics metrics;
  private final Tracer tracer;
  private final PriceTable prices;

  ObservedModelClient(ModelClient delegate, Metrics metrics, Tracer tracer, PriceTable prices) {
    this.delegate = delegate;
    this.metrics = metrics;
    this.tracer = tracer;
    this.prices = prices;
  }

  /** The provider, as {@code gen_ai.system} names it, from the agent's model id. */
  static String system(String model) {
    if (model == null) {
      return "_OTHER";
    }
    if (model.startsWith("openai/")) {
      return "openai";
    }
    if (model.startsWith("ollama/")) {
      return "ollama";
    }
    if (model.startsWith("scripted:")) {
      return "scripted";
    }
    return "anthropic";
  }

  @Override
  public ModelResponse send(
      ModelRequest request, ModelStreamListener listener, Cancellation cancellation) {
    String model = Metrics.model(request.model());
    Span span =
        tracer
            .spanBuilder("chat " + model)
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute(OPERATION, "chat")
            .setAttribute(SYSTEM, system(request.model()))
            .setAttribute(REQUEST_MODEL, model)
            .setAttribute(MAX_TOKENS, (long) request.maxTokens())
            .startSpan();
    long start = System.nanoTime();
    Scope scope = span.makeCurrent();
    try {
      ModelResponse response = delegate.send(request, listener, cancellation);
      ModelUsage u = response.usage() == null ? ModelUsage.ZERO : response.usage();
      metrics.modelRequest(model, System.nanoTime() - start, u, cents(request.model(), u));
      span.setAttribute(INPUT_TOKENS, u.inputTokens());
      span.setAttribute(OUTPUT_TOKENS, u.outputTokens());
      if (response.stopReason() != null) {
        span.setAttribute(FINISH_REASONS, List.of(response.stopReason()));
      }
      return response;
    } catch (ModelException.Cancelled e) {
      span.setAttribute(ERROR_TYPE, "cancelled");
      throw e;
    } catch (ModelException e) {
      fail(span, model, start, e.errorType());
      throw e;
    } catch (RuntimeException e) {
      fail(span, model, start, e.getClass().getSimpleName());
      throw e;
    } finally {
      scope.close();
      span.end();
    }
  }

  private void fail(Span span, String model, long start, String type) {
    String errorType = type == null ? "unknown_error" : type;
    metrics.modelFailed(model, System.nanoTime() - start, errorType);
    // The type only: a message could quote the request or a key.
    span.setAttribute(ERROR_TYPE, errorType);
    span.setStatus(StatusCode.ERROR);
  }

  private BigDecimal cents(String model, ModelUsage u) {
    try {
      return prices.costCents(
          model,
          new SessionUsage(
              u.inputTokens(),
              u.outputTokens(),
              u.cacheReadInputTokens(),
              u.cacheCreationInputTokens(),
              0));
    } catch (RuntimeException e) {
      return null; // no price for this model: no cost series
    }
  }
}
