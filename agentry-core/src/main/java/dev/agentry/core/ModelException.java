package dev.agentry.core;

import java.time.Duration;

/**
 * A model request failed. {@code errorType} is the {@code session.error} type to report ({@code
 * model_overloaded_error}, {@code model_rate_limited_error}, {@code model_request_failed_error},
 * {@code billing_error}, {@code unknown_error}); {@code retryable} says whether trying again may
 * help; {@code status} is the HTTP status or 0 for a network failure; {@code retryAfter} is the
 * server's hint, or null. Messages never contain API keys.
 */
public class ModelException extends RuntimeException {
  private final String errorType;
  private final boolean retryable;
  private final int status;
  private final Duration retryAfter;

  public ModelException(
      String errorType, String message, boolean retryable, int status, Duration retryAfter) {
    super(message);
    this.errorType = errorType;
    this.retryable = retryable;
    this.status = status;
    this.retryAfter = retryAfter;
  }

  public String errorType() {
    return errorType;
  }

  public boolean retryable() {
    return retryable;
  }

  public int status() {
    return status;
  }

  /** The delay the server asked for, if it named one. */
  public java.util.Optional<Duration> retryAfter() {
    return java.util.Optional.ofNullable(retryAfter);
  }

  /** The request was cancelled (e.g. by an interrupt); not an error to report. */
  public static final class Cancelled extends ModelException {
    public Cancelled() {
      super("cancelled", "the model request was cancelled", false, 0, null);
    }
  }
}
