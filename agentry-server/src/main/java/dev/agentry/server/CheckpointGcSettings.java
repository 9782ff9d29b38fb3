package dev.agentry.server;

import java.time.Duration;
import java.util.Map;

/**
 * How checkpoint blobs are collected (ADR 0049): every {@code every} ({@code
 * AGENTRY_CHECKPOINT_GC_MS}, 10 minutes by default), deleting blobs no checkpoint has referred to
 * for {@code grace} ({@code AGENTRY_CHECKPOINT_GC_GRACE_MS}, 1 hour by default). The grace must
 * outlast the longest checkpoint (its pins are that old when it records), and a paused node's.
 */
public record CheckpointGcSettings(Duration every, Duration grace) {
  public static final CheckpointGcSettings DEFAULTS =
      new CheckpointGcSettings(Duration.ofMinutes(10), Duration.ofHours(1));

  public CheckpointGcSettings {
    if (every.toMillis() < 100 || every.toMillis() > 86_400_000) {
      throw new IllegalArgumentException(
          "AGENTRY_CHECKPOINT_GC_MS must be between 100 and 86400000");
    }
    if (grace.toMillis() < 1000 || grace.toMillis() > 30L * 86_400_000) {
      throw new IllegalArgumentException(
          "AGENTRY_CHECKPOINT_GC_GRACE_MS must be between 1000 and 2592000000");
    }
  }

  static CheckpointGcSettings fromEnv(Map<String, String> env) {
    long every =
        EnvValues.number(
            env, "AGENTRY_CHECKPOINT_GC_MS", DEFAULTS.every().toMillis(), 100, 86_400_000);
    long grace =
        EnvValues.number(
            env,
            "AGENTRY_CHECKPOINT_GC_GRACE_MS",
            DEFAULTS.grace().toMillis(),
            1000,
            30L * 86_400_000);
    return new CheckpointGcSettings(Duration.ofMillis(every), Duration.ofMillis(grace));
  }
}
