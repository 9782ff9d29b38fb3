package dev.agentry.core;

/**
 * Cumulative token usage, active time and server tool calls ({@code web_search}, {@code web_fetch}
 * run by the harness) of a session. A stored session from before the counts reads them as 0.
 */
public record SessionUsage(
    long inputTokens,
    long outputTokens,
    long cacheReadInputTokens,
    long cacheCreationInputTokens,
    double activeSeconds,
    long webSearchRequests,
    long webFetchRequests) {
  public static final SessionUsage ZERO = new SessionUsage(0, 0, 0, 0, 0);

  /** Tokens and active time, without server tool calls. */
  public SessionUsage(
      long inputTokens,
      long outputTokens,
      long cacheReadInputTokens,
      long cacheCreationInputTokens,
      double activeSeconds) {
    this(
        inputTokens,
        outputTokens,
        cacheReadInputTokens,
        cacheCreationInputTokens,
        activeSeconds,
        0,
        0);
  }

  /** This usage with one model request's tokens added. */
  public SessionUsage plus(ModelUsage m) {
    return new SessionUsage(
        inputTokens + m.inputTokens(),
        outputTokens + m.outputTokens(),
        cacheReadInputTokens + m.cacheReadInputTokens(),
        cacheCreationInputTokens + m.cacheCreationInputTokens(),
        activeSeconds,
        webSearchRequests,
        webFetchRequests);
  }

  /** This usage with {@code seconds} more active time. */
  public SessionUsage plusActiveSeconds(double seconds) {
    return new SessionUsage(
        inputTokens,
        outputTokens,
        cacheReadInputTokens,
        cacheCreationInputTokens,
        activeSeconds + seconds,
        webSearchRequests,
        webFetchRequests);
  }

  /** This usage with one more {@code web_search} (or else {@code web_fetch}) call. */
  public SessionUsage plusServerToolCall(boolean search) {
    return new SessionUsage(
        inputTokens,
        outputTokens,
        cacheReadInputTokens,
        cacheCreationInputTokens,
        activeSeconds,
        webSearchRequests + (search ? 1 : 0),
        webFetchRequests + (search ? 0 : 1));
  }
}
