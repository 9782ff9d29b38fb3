package dev.agentry.harness;

import java.util.Objects;

/**
 * How the harness prices sessions and where it stops them: the price table, and Agentry's own
 * per-session caps on tokens and active seconds (0 = no cap), on top of each session's {@code
 * budget}.
 *
 * @param prices list prices for {@code list_cost}
 * @param maxSessionTokens cap on input + output + cache read + cache write tokens; 0 for none
 * @param maxActiveSeconds cap on active (running) seconds; 0 for none
 */
public record SpendLimits(PriceTable prices, long maxSessionTokens, long maxActiveSeconds) {
  public SpendLimits {
    Objects.requireNonNull(prices, "prices");
    if (maxSessionTokens < 0) {
      throw new IllegalArgumentException("maxSessionTokens must be >= 0");
    }
    if (maxActiveSeconds < 0) {
      throw new IllegalArgumentException("maxActiveSeconds must be >= 0");
    }
  }

  /** Default prices and no Agentry caps. */
  public static SpendLimits defaults() {
    return new SpendLimits(PriceTable.defaults(), 0, 0);
  }
}
