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
 * @param maxRunning sessions this harness runs at once; past it, sessions wait for a free slot here
 *     or are claimed by another node (default {@link #defaultMaxRunning()})
 * @param sweepEvery how often the node sweeps for sessions no live node runs; zero (the default):
 *     {@link #sweepInterval() derived from the lease TTL}
 * @param checkpointEachCall whether the workspace is checkpointed after each side-effecting tool
 *     call, before its result is committed, so that a node taking the session over mid-turn finds
 *     every effect the log reports (default true; a lone node whose workspaces stay on its own disk
 *     needs only the checkpoint at the end of each run)
 * @param outcomes how outcomes are graded (default: on the agent's model, a heartbeat every 5 s)
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
    RuntimeToolSettings runtimeTools,
    int maxRunning,
    Duration sweepEvery,
    boolean checkpointEachCall,
    OutcomeSettings outcomes) {

  /**
   * What a running session costs a node is mostly heap (its folded log, the model context, the
   * response being streamed; sandboxes are limited on their own, per sandbox): one slot per 4 MiB
   * of the maximum heap, at least 64. A 4 GiB heap runs 1,024 sessions at once.
   */
  public static int defaultMaxRunning() {
    return (int) Math.max(64, Math.min(100_000, Runtime.getRuntime().maxMemory() / (4L << 20)));
  }

  public HarnessConfig {
    require(runtimeTools != null, "runtimeTools", "set");
    require(outcomes != null, "outcomes", "set");
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
    require(maxRunning >= 1, "maxRunning", ">= 1");
    require(!sweepEvery.isNegative(), "sweepEvery", ">= 0");
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
        RuntimeToolSettings.defaults(),
        defaultMaxRunning(),
        Duration.ZERO,
        true,
        OutcomeSettings.defaults());
  }

  public HarnessConfig withRetries(int attempts, Duration base, Duration max) {
    Copy c = new Copy(this);
    c.modelRetryAttempts = attempts;
    c.backoffBase = base;
    c.backoffMax = max;
    return c.build();
  }

  public HarnessConfig withLeaseTtl(Duration ttl) {
    Copy c = new Copy(this);
    c.leaseTtl = ttl;
    return c.build();
  }

  public HarnessConfig withMaxRunning(int sessions) {
    Copy c = new Copy(this);
    c.maxRunning = sessions;
    return c.build();
  }

  /** Sweeps every {@code every}; {@link Duration#ZERO}: derived from the lease TTL. */
  public HarnessConfig withSweepEvery(Duration every) {
    Copy c = new Copy(this);
    c.sweepEvery = every;
    return c.build();
  }

  public HarnessConfig withCheckpointEachCall(boolean value) {
    Copy c = new Copy(this);
    c.checkpointEachCall = value;
    return c.build();
  }

  public HarnessConfig withOutcomes(OutcomeSettings value) {
    Copy c = new Copy(this);
    c.outcomes = value;
    return c.build();
  }

  public HarnessConfig withMaxToolRounds(int rounds) {
    Copy c = new Copy(this);
    c.maxToolRounds = rounds;
    return c.build();
  }

  public HarnessConfig withCompaction(double threshold, Map<String, Integer> windows) {
    Copy c = new Copy(this);
    c.compactionThreshold = threshold;
    c.contextWindows = windows;
    return c.build();
  }

  public HarnessConfig withSpend(SpendLimits value) {
    Copy c = new Copy(this);
    c.spend = value;
    return c.build();
  }

  public HarnessConfig withRuntimeTools(RuntimeToolSettings value) {
    Copy c = new Copy(this);
    c.runtimeTools = value;
    return c.build();
  }

  /** A mutable copy, so that each {@code with…} names only what it changes. */
  private static final class Copy {
    private int modelRetryAttempts;
    private Duration backoffBase;
    private Duration backoffMax;
    private Duration leaseTtl;
    private int maxToolRounds;
    private double compactionThreshold;
    private Map<String, Integer> contextWindows;
    private int defaultContextWindow;
    private int maxOutputTokens;
    private Set<String> readOnlyTools;
    private int toolResultContextChars;
    private SpendLimits spend;
    private RuntimeToolSettings runtimeTools;
    private int maxRunning;
    private Duration sweepEvery;
    private boolean checkpointEachCall;
    private OutcomeSettings outcomes;

    Copy(HarnessConfig c) {
      modelRetryAttempts = c.modelRetryAttempts;
      backoffBase = c.backoffBase;
      backoffMax = c.backoffMax;
      leaseTtl = c.leaseTtl;
      maxToolRounds = c.maxToolRounds;
      compactionThreshold = c.compactionThreshold;
      contextWindows = c.contextWindows;
      defaultContextWindow = c.defaultContextWindow;
      maxOutputTokens = c.maxOutputTokens;
      readOnlyTools = c.readOnlyTools;
      toolResultContextChars = c.toolResultContextChars;
      spend = c.spend;
      runtimeTools = c.runtimeTools;
      maxRunning = c.maxRunning;
      sweepEvery = c.sweepEvery;
      checkpointEachCall = c.checkpointEachCall;
      outcomes = c.outcomes;
    }

    HarnessConfig build() {
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
          runtimeTools,
          maxRunning,
          sweepEvery,
          checkpointEachCall,
          outcomes);
    }
  }

  /**
   * How often a node sweeps for sessions that need a runner: often enough that a dead node's
   * sessions are claimed within the lease TTL plus half a second of its death.
   */
  Duration sweepInterval() {
    if (!sweepEvery.isZero()) {
      return sweepEvery;
    }
    return Duration.ofMillis(Math.max(10, Math.min(500, leaseTtl.toMillis() / 3)));
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
