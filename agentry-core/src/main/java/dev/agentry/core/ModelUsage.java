package dev.agentry.core;

/** Tokens one model request used, as {@code span.model_request_end.model_usage} reports them. */
public record ModelUsage(
    long inputTokens, long outputTokens, long cacheReadInputTokens, long cacheCreationInputTokens) {
  public static final ModelUsage ZERO = new ModelUsage(0, 0, 0, 0);

  public ModelUsage plus(ModelUsage o) {
    return new ModelUsage(
        inputTokens + o.inputTokens,
        outputTokens + o.outputTokens,
        cacheReadInputTokens + o.cacheReadInputTokens,
        cacheCreationInputTokens + o.cacheCreationInputTokens);
  }
}
