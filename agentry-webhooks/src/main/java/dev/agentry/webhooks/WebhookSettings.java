package dev.agentry.webhooks;

import java.time.Duration;
import java.util.Map;

/**
 * How deliveries are made.
 *
 * @param allowPrivate deliver to loopback, private and link-local addresses ({@code
 *     AGENTRY_WEBHOOK_ALLOW_PRIVATE}); off by default, because a webhook URL is chosen by an API
 *     caller and must not reach the server's own network
 * @param pollEvery how often the outbox and due deliveries are looked at
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
   * @throws IllegalArgumentException naming {@value #ALLOW_PRIVATE} if it is not true or false
   */
  public static WebhookSettings fromEnv(Map<String, String> env) {
    String raw = env.getOrDefault(ALLOW_PRIVATE, "false").trim();
    if (!raw.equalsIgnoreCase("true") && !raw.equalsIgnoreCase("false")) {
      throw new IllegalArgumentException(ALLOW_PRIVATE + " must be true or false, not " + raw);
    }
    return defaults(Boolean.parseBoolean(raw));
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
