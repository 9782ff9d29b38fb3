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
}
