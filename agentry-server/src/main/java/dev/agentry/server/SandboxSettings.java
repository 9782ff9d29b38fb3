package dev.agentry.server;

import dev.agentry.core.SandboxLimits;
import dev.agentry.sandbox.Sandboxes;
import java.time.Duration;
import java.util.Map;

/**
 * The sandbox backend, the host uid sandboxes run as, and their limits, from {@code
 * AGENTRY_SANDBOX*} variables (listed in the README), each defaulting to {@link
 * SandboxLimits#DEFAULTS} (the uid to {@link Sandboxes#DEFAULT_UID}) and checked against a bound at
 * start-up.
 */
public record SandboxSettings(String backend, int uid, SandboxLimits limits) {

  public static SandboxSettings fromEnv(Map<String, String> env) {
    String backend = env.getOrDefault("AGENTRY_SANDBOX", "bubblewrap");
    if (!backend.equals("bubblewrap") && !backend.equals("unsafe-local")) {
      throw new IllegalArgumentException("AGENTRY_SANDBOX must be bubblewrap or unsafe-local");
    }
    SandboxLimits d = SandboxLimits.DEFAULTS;
    Duration timeout =
        millis(env, "AGENTRY_SANDBOX_TIMEOUT_MS", d.defaultTimeout(), 1_000, 3_600_000);
    Duration maxTimeout =
        millis(env, "AGENTRY_SANDBOX_MAX_TIMEOUT_MS", d.maxTimeout(), 1_000, 86_400_000);
    if (maxTimeout.compareTo(timeout) < 0) {
      throw new IllegalArgumentException(
          "AGENTRY_SANDBOX_MAX_TIMEOUT_MS must be at least AGENTRY_SANDBOX_TIMEOUT_MS");
    }
    // Never 0: a sandbox running as host root would own every root-owned file it can see.
    int uid =
        (int)
            EnvValues.number(
                env, "AGENTRY_SANDBOX_UID", Sandboxes.DEFAULT_UID, 1, Integer.MAX_VALUE);
    return new SandboxSettings(
        backend,
        uid,
        new SandboxLimits(
            (int)
                EnvValues.number(
                    env, "AGENTRY_SANDBOX_MAX_PROCESSES", d.maxProcesses(), 8, 100_000),
            EnvValues.number(
                env, "AGENTRY_SANDBOX_MEMORY_BYTES", d.memoryBytes(), 16L << 20, 1L << 40),
            (int) EnvValues.number(env, "AGENTRY_SANDBOX_CPU_PERCENT", d.cpuPercent(), 1, 6_400),
            timeout,
            maxTimeout,
            (int)
                EnvValues.number(
                    env, "AGENTRY_SANDBOX_MAX_OUTPUT_BYTES", d.maxOutputBytes(), 1_024, 64L << 20),
            EnvValues.number(
                env, "AGENTRY_SANDBOX_MAX_FILE_BYTES", d.maxFileBytes(), 1L << 20, 1L << 40),
            EnvValues.number(
                env,
                "AGENTRY_SANDBOX_WORKSPACE_BYTES",
                d.workspaceQuotaBytes(),
                1L << 20,
                1L << 44),
            EnvValues.number(env, "AGENTRY_SANDBOX_TMP_BYTES", d.tmpBytes(), 1L << 20, 1L << 36),
            millis(env, "AGENTRY_SANDBOX_IDLE_MS", d.idleTimeout(), 1_000, 86_400_000)));
  }

  private static Duration millis(
      Map<String, String> env, String key, Duration fallback, long min, long max) {
    return Duration.ofMillis(EnvValues.number(env, key, fallback.toMillis(), min, max));
  }
}
