package dev.agentry.server;

import java.time.Duration;
import java.util.Map;

/**
 * The Files API's settings: the largest upload ({@code AGENTRY_MAX_UPLOAD_BYTES}, 500 MB by
 * default), whether uploads can be downloaded again ({@code AGENTRY_UPLOADS_DOWNLOADABLE}, true by
 * default; the hosted API says false, see docs/files.md) and how often expired files are swept
 * ({@code AGENTRY_FILES_SWEEP_MS}).
 */
public record FileSettings(long maxUploadBytes, boolean uploadsDownloadable, Duration sweepEvery) {
  public static final long DEFAULT_MAX_UPLOAD_BYTES = 500L * 1000 * 1000;
  public static final Duration DEFAULT_SWEEP = Duration.ofMinutes(1);
  public static final FileSettings DEFAULTS =
      new FileSettings(DEFAULT_MAX_UPLOAD_BYTES, true, DEFAULT_SWEEP);

  public FileSettings {
    if (maxUploadBytes < 1 || maxUploadBytes > 1L << 40) {
      throw new IllegalArgumentException(
          "AGENTRY_MAX_UPLOAD_BYTES must be between 1 and " + (1L << 40));
    }
    if (sweepEvery.toMillis() < 100 || sweepEvery.toMillis() > 86_400_000) {
      throw new IllegalArgumentException("AGENTRY_FILES_SWEEP_MS must be between 100 and 86400000");
    }
  }

  static FileSettings fromEnv(Map<String, String> env) {
    long max =
        EnvValues.number(env, "AGENTRY_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES, 1, 1L << 40);
    String downloadable = env.getOrDefault("AGENTRY_UPLOADS_DOWNLOADABLE", "true").trim();
    if (!downloadable.equals("true") && !downloadable.equals("false")) {
      throw new IllegalArgumentException("AGENTRY_UPLOADS_DOWNLOADABLE must be true or false");
    }
    long sweep =
        EnvValues.number(env, "AGENTRY_FILES_SWEEP_MS", DEFAULT_SWEEP.toMillis(), 100, 86_400_000);
    return new FileSettings(max, downloadable.equals("true"), Duration.ofMillis(sweep));
  }
}
