package dev.agentry.webhooks;

import java.time.Duration;
import java.util.Map;

/**
 * How deliveries are made.
 *
 * @param allowPrivate deliver to loopback, private and link-local addresses ({@code
 *     AGENTRY_WEBHOOK_ALLOW_PRIVATE}); off by default, because a webhook URL is chosen by an API
 *     caller and must not reach the server's own network
 * @param pollEvery how often the outbox and due deliveries are looked at; while no endpoint is
 *     enabled and the outbox is empty the wait stretches, up to 16 times this
 * @param firstRetry the wait after a first failed attempt; it grows fourfold per attempt
 * @param maxRetry the longest wait between attempts
 * @param maxAttempts attempts after which a delivery is dropped
 * @param timeout how long one attempt may take
 */
public record WebhookSettings(
    boolean allowPrivate,
    Duration pollEvery,
    Duration firstRetry,
    Duration maxRetry,
    int maxAttempts,
    Duration timeout) {

  public static final String ALLOW_PRIVATE = "AGENTRY_WEBHOOK_ALLOW_PRIVATE";
  public static final String TIMEOUT_MS = "AGENTRY_WEBHOOK_TIMEOUT_MS";
  public static final String FIRST_RETRY_MS = "AGENTRY_WEBHOOK_FIRST_RETRY_MS";

  public WebhookSettings {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
  }

  /** The defaults: 5 s after a first failure, up to 2 h apart, 12 attempts (about a day). */
  public static WebhookSettings defaults(boolean allowPrivate) {
    return new WebhookSettings(
        allowPrivate,
        Duration.ofMillis(250),
        Duration.ofSeconds(5),
        Duration.ofHours(2),
        12,
        Duration.ofSeconds(15));
  }

  /**
   * The defaults, overridden by {@value #ALLOW_PRIVATE}, {@value #TIMEOUT_MS} (100–120000) and
   * {@value #FIRST_RETRY_MS} (10–3600000).
   *
   * @throws IllegalArgumentException naming the key and its rule when a value is out of bounds
   */
  public static WebhookSettings fromEnv(Map<String, String> env) {
    String raw = env.getOrDefault(ALLOW_PRIVATE, "false").trim();
    if (!raw.equalsIgnoreCase("true") && !raw.equalsIgnoreCase("false")) {
      throw new IllegalArgumentException(ALLOW_PRIVATE + " must be true or false, not " + raw);
    }
    WebhookSettings d = defaults(Boolean.parseBoolean(raw));
    return new WebhookSettings(
        d.allowPrivate(),
        d.pollEvery(),
        Duration.ofMillis(millis(env, FIRST_RETRY_MS, d.firstRetry(), 10, 3_600_000)),
        d.maxRetry(),
        d.maxAttempts(),
        Duration.ofMillis(millis(env, TIMEOUT_MS, d.timeout(), 100, 120_000)));
  }

  private static long millis(
      Map<String, String> env, String key, Duration fallback, long min, long max) {
    String raw = env.get(key);
    if (raw == null || raw.isBlank()) {
      return fallback.toMillis();
    }
    long v;
    try {
      v = Long.parseLong(raw.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number of milliseconds");
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException(key + " must be between " + min + " and " + max);
    }
    return v;
  }

  /**
   * How long a claimed delivery stays hidden from other claims: longer than one attempt can take
   * (connecting and waiting for the answer's head, each bounded by {@link #timeout}), so a live
   * sender always settles it first, and short enough that one a dead node held is soon retried.
   */
  Duration hold() {
    return timeout.multipliedBy(2).plusSeconds(5);
  }

  /** The wait after the {@code attempts}-th failed attempt. */
  Duration backoff(int attempts) {
    Duration wait = firstRetry;
    for (int i = 1; i < attempts && wait.compareTo(maxRetry) < 0; i++) {
      wait = wait.multipliedBy(4);
    }
    return wait.compareTo(maxRetry) > 0 ? maxRetry : wait;
  }
}
