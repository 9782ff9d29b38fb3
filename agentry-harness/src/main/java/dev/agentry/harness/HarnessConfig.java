package dev.agentry.harness;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * How the agent loop behaves. Validated on construction; {@link #defaults()} gives the documented
 * defaults and the {@code with…} methods change one key.
 *
 * @param modelRetryAttempts tries per model request before {@code retries_exhausted} (default 5)
 * @param backoffBase first retry delay, doubled per failure, with jitter (default 500 ms)
 * @param backoffMax cap of a retry delay (default 30 s)
 * @param leaseTtl how long a runner's lease lasts unrenewed; renewed every third of it (30 s)
 * @param maxToolRounds model responses with tool calls per turn before {@code
 *     tool_use_limit_reached_error} (default 100)
 * @param compactionThreshold fraction of the context window past which older turns are summarised
 *     (default 0.8)
 * @param contextWindows context window in tokens per model id; others get {@code
 *     defaultContextWindow}
 * @param defaultContextWindow default 200,000 tokens
 * @param maxOutputTokens {@code max_tokens} of each request (default 8192)
 * @param readOnlyTools built-in tools safe to re-run after a crash (default read, glob, grep)
 * @param toolResultContextChars longer tool results are truncated in the context, never in the log
 *     (default 50,000)
 * @param spend prices for {@code list_cost} and Agentry's per-session caps (default list prices, no
 *     caps)
 * @param runtimeTools the {@code auto} permission policy's deny list and the runtime's web tools
 *     (default: no deny list, no search provider)
 */
public record HarnessConfig(
    int modelRetryAttempts,
    Duration backoffBase,
    Duration backoffMax,
    Duration leaseTtl,
    int maxToolRounds,
    double compactionThreshold,
    Map<String, Integer> contextWindows,
    int defaultContextWindow,
    int maxOutputTokens,
    Set<String> readOnlyTools,
    int toolResultContextChars,
    SpendLimits spend,
    RuntimeToolSettings runtimeTools) {

  public HarnessConfig {
    require(runtimeTools != null, "runtimeTools", "set");
    contextWindows = Map.copyOf(contextWindows);
    readOnlyTools = Set.copyOf(readOnlyTools);
    require(spend != null, "spend", "set");
    require(modelRetryAttempts >= 1, "modelRetryAttempts", ">= 1");
    require(!backoffBase.isNegative(), "backoffBase", ">= 0");
    require(backoffMax.compareTo(backoffBase) >= 0, "backoffMax", ">= backoffBase");
    require(leaseTtl.toMillis() >= 30, "leaseTtl", ">= 30 ms");
    require(maxToolRounds >= 1, "maxToolRounds", ">= 1");
    require(
        compactionThreshold > 0 && compactionThreshold <= 1, "compactionThreshold", "in (0, 1]");
    require(defaultContextWindow >= 1000, "defaultContextWindow", ">= 1000");
    contextWindows.forEach((k, v) -> require(v >= 1000, "contextWindows." + k, ">= 1000"));
    require(maxOutputTokens >= 1, "maxOutputTokens", ">= 1");
    require(toolResultContextChars >= 100, "toolResultContextChars", ">= 100");
  }

  public static HarnessConfig defaults() {
    return new HarnessConfig(
        5,
        Duration.ofMillis(500),
        Duration.ofSeconds(30),
        Duration.ofSeconds(30),
        100,
        0.8,
        Map.of(),
        200_000,
        8192,
        Set.of("read", "glob", "grep"),
        50_000,
        SpendLimits.defaults(),
        RuntimeToolSettings.defaults());
  }

  public HarnessConfig withRetries(int attempts, Duration base, Duration max) {
    return new HarnessConfig(
        attempts,
        base,
        max,
        leaseTtl,
        maxToolRounds,
        compactionThreshold,
        contextWindows,
        defaultContextWindow,
        maxOutputTokens,
        readOnlyTools,
        toolResultContextChars,
        spend,
        runtimeTools);
  }

  public HarnessConfig withLeaseTtl(Duration ttl) {
    return new HarnessConfig(
        modelRetryAttempts,
        backoffBase,
        backoffMax,
        ttl,
        maxToolRounds,
        compactionThreshold,
        contextWindows,
        defaultContextWindow,
        maxOutputTokens,
        readOnlyTools,
        toolResultContextChars,
        spend,
        runtimeTools);
  }

  public HarnessConfig withMaxToolRounds(int rounds) {
    return new HarnessConfig(
        modelRetryAttempts,
        backoffBase,
        backoffMax,
        leaseTtl,
        rounds,
        compactionThreshold,
        contextWindows,
        defaultContextWindow,
        maxOutputTokens,
        readOnlyTools,
        toolResultContextChars,
        spend,
        runtimeTools);
  }

  public HarnessConfig withCompaction(double threshold, Map<String, Integer> windows) {
    return new HarnessConfig(
        modelRetryAttempts,
        backoffBase,
        backoffMax,
        leaseTtl,
        maxToolRounds,
        threshold,
        windows,
        defaultContextWindow,
        maxOutputTokens,
        readOnlyTools,
        toolResultContextChars,
        spend,
        runtimeTools);
  }

  public HarnessConfig withSpend(SpendLimits value) {
    return new HarnessConfig(
        modelRetryAttempts,
        backoffBase,
        backoffMax,
        leaseTtl,
        maxToolRounds,
        compactionThreshold,
        contextWindows,
        defaultContextWindow,
        maxOutputTokens,
        readOnlyTools,
        toolResultContextChars,
        value,
        runtimeTools);
  }

  public HarnessConfig withRuntimeTools(RuntimeToolSettings value) {
    return new HarnessConfig(
        modelRetryAttempts,
        backoffBase,
        backoffMax,
        leaseTtl,
        maxToolRounds,
        compactionThreshold,
        contextWindows,
        defaultContextWindow,
        maxOutputTokens,
        readOnlyTools,
        toolResultContextChars,
        spend,
        value);
  }

  int contextWindow(String model) {
    return contextWindows.getOrDefault(model, defaultContextWindow);
  }

  private static void require(boolean ok, String key, String bound) {
    if (!ok) {
      throw new IllegalArgumentException("harness config " + key + " must be " + bound);
    }
  }
}
