package dev.agentry.core;

/** Cumulative token usage and active time of a session. */
public record SessionUsage(
    long inputTokens,
    long outputTokens,
    long cacheReadInputTokens,
    long cacheCreationInputTokens,
    double activeSeconds) {
  public static final SessionUsage ZERO = new SessionUsage(0, 0, 0, 0, 0);
}
