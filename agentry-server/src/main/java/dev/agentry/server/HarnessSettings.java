package dev.agentry.server;

import dev.agentry.harness.AutoPolicy;
import dev.agentry.harness.HarnessConfig;
import dev.agentry.harness.OutcomeSettings;
import dev.agentry.harness.PriceTable;
import dev.agentry.harness.RuntimeToolSettings;
import dev.agentry.harness.SearchProvider;
import dev.agentry.harness.SearxngSearchProvider;
import dev.agentry.harness.SpendLimits;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The agent loop's settings from {@code AGENTRY_*} variables (listed in the README). */
final class HarnessSettings {
  private HarnessSettings() {}

  static HarnessConfig fromEnv(Map<String, String> env) {
    HarnessConfig d = HarnessConfig.defaults();
    int attempts =
        (int) EnvValues.number(env, "AGENTRY_MODEL_RETRIES", d.modelRetryAttempts(), 1, 100);
    Duration base =
        Duration.ofMillis(
            EnvValues.number(
                env, "AGENTRY_MODEL_BACKOFF_MS", d.backoffBase().toMillis(), 0, 600_000));
    Duration max =
        Duration.ofMillis(
            EnvValues.number(
                env, "AGENTRY_MODEL_BACKOFF_MAX_MS", d.backoffMax().toMillis(), 0, 3_600_000));
    if (max.compareTo(base) < 0) {
      throw new IllegalArgumentException(
          "AGENTRY_MODEL_BACKOFF_MAX_MS must be at least AGENTRY_MODEL_BACKOFF_MS");
    }
    HarnessConfig c =
        d.withRetries(attempts, base, max)
            .withMaxToolRounds(
                (int)
                    EnvValues.number(
                        env, "AGENTRY_MAX_TOOL_ROUNDS", d.maxToolRounds(), 1, 100_000));
    c =
        c.withLeaseTtl(
            Duration.ofMillis(
                EnvValues.number(
                    env, "AGENTRY_LEASE_TTL_MS", d.leaseTtl().toMillis(), 100, 600_000)));
    c =
        c.withSweepEvery(
            Duration.ofMillis(EnvValues.number(env, "AGENTRY_SWEEP_INTERVAL_MS", 0, 0, 3_600_000)));
    c = c.withCheckpointEachCall(checkpointEachCall(env));
    c =
        c.withMaxRunning(
            (int) EnvValues.number(env, "AGENTRY_MAX_RUNNING", d.maxRunning(), 1, 100_000));
    String threshold = env.get("AGENTRY_COMPACTION_THRESHOLD");
    if (threshold != null && !threshold.isBlank()) {
      double t;
      try {
        t = Double.parseDouble(threshold.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("AGENTRY_COMPACTION_THRESHOLD must be a number");
      }
      if (!(t > 0 && t <= 1)) {
        throw new IllegalArgumentException("AGENTRY_COMPACTION_THRESHOLD must be in (0, 1]");
      }
      c = c.withCompaction(t, c.contextWindows());
    }
    return c.withSpend(spend(env)).withRuntimeTools(runtimeTools(env)).withOutcomes(outcomes(env));
  }

  /** The grader's model ({@code AGENTRY_GRADER_MODEL}) and heartbeat (docs/decisions/0043). */
  static OutcomeSettings outcomes(Map<String, String> env) {
    OutcomeSettings d = OutcomeSettings.defaults();
    String model = EnvValues.string(env, "AGENTRY_GRADER_MODEL");
    return new OutcomeSettings(
        model == null ? "" : model,
        Duration.ofMillis(
            EnvValues.number(
                env, "AGENTRY_OUTCOME_HEARTBEAT_MS", d.heartbeat().toMillis(), 10, 600_000)));
  }

  /**
   * The auto permission policy's deny list ({@code AGENTRY_AUTO_DENY}, docs/permissions.md) and the
   * runtime's web tools ({@code AGENTRY_WEB_SEARCH_URL}, {@code AGENTRY_WEB_TIMEOUT_MS}, {@code
   * AGENTRY_WEB_FETCH_MAX_BYTES}).
   */
  static RuntimeToolSettings runtimeTools(Map<String, String> env) {
    RuntimeToolSettings d = RuntimeToolSettings.defaults();
    Duration timeout =
        Duration.ofMillis(
            EnvValues.number(
                env, "AGENTRY_WEB_TIMEOUT_MS", d.webTimeout().toMillis(), 100, 600_000));
    int maxBytes =
        (int)
            EnvValues.number(env, "AGENTRY_WEB_FETCH_MAX_BYTES", d.webMaxBytes(), 1024, 256L << 20);
    String url = env.get("AGENTRY_WEB_SEARCH_URL");
    SearchProvider search = null;
    if (url != null && !url.isBlank()) {
      try {
        search = new SearxngSearchProvider(URI.create(url.trim()), timeout);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "AGENTRY_WEB_SEARCH_URL must be an http or https URL", e);
      }
    }
    AutoPolicy auto = new AutoPolicy(AutoPolicy.parseDenyList(env.get("AGENTRY_AUTO_DENY")));
    return new RuntimeToolSettings(auto, search, timeout, maxBytes);
  }

  /** Prices ({@code AGENTRY_PRICES_FILE}) and Agentry's per-session caps (0 or unset: none). */
  static SpendLimits spend(Map<String, String> env) {
    String file = env.get("AGENTRY_PRICES_FILE");
    PriceTable prices =
        file == null || file.isBlank()
            ? PriceTable.defaults()
            : PriceTable.load(Path.of(file.trim()));
    return new SpendLimits(
        prices,
        EnvValues.number(env, "AGENTRY_MAX_SESSION_TOKENS", 0, 0, Long.MAX_VALUE),
        EnvValues.number(env, "AGENTRY_MAX_ACTIVE_SECONDS", 0, 0, Long.MAX_VALUE));
  }

  /**
   * {@code AGENTRY_CHECKPOINT_EACH_CALL}: by default only on PostgreSQL, where another node can
   * take a session over mid-turn. On the embedded SQLite store one node runs everything and its
   * workspaces outlive a restart on its own disk, so the checkpoint at the end of each run is
   * enough and a tool call does not pay for one.
   */
  private static boolean checkpointEachCall(Map<String, String> env) {
    String value = EnvValues.string(env, "AGENTRY_CHECKPOINT_EACH_CALL");
    if (value == null) {
      return EnvValues.string(env, "AGENTRY_DATABASE_URL") != null;
    }
    return switch (value.trim()) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException("AGENTRY_CHECKPOINT_EACH_CALL must be true or false");
    };
  }
}
