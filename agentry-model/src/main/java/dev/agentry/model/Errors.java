package dev.agentry.model;

import dev.agentry.core.ModelException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.function.Function;

/** Maps provider failures onto {@link ModelException}s the harness understands. */
final class Errors {
  private Errors() {}

  /**
   * The exception for an HTTP error status. {@code detail} is the provider's message (may be null);
   * {@code secret} (the API key, may be null) is scrubbed from it.
   */
  static ModelException forStatus(
      String provider,
      int status,
      String providerType,
      String detail,
      Duration retryAfter,
      String secret) {
    String type;
    boolean retryable;
    switch (status) {
      case 429 -> {
        type = "model_rate_limited_error";
        retryable = true;
      }
      case 529 -> {
        type = "model_overloaded_error";
        retryable = true;
      }
      case 408, 500, 502, 503, 504 -> {
        type = "model_request_failed_error";
        retryable = true;
      }
      case 401, 403 -> {
        type = "authentication_error";
        retryable = false;
      }
      case 402 -> {
        type = "billing_error";
        retryable = false;
      }
      default -> {
        type = status >= 400 && status < 600 ? "model_request_failed_error" : "unknown_error";
        retryable = false;
      }
    }
    StringBuilder msg = new StringBuilder(provider).append(" returned HTTP ").append(status);
    if (providerType != null && !providerType.isBlank()) {
      msg.append(' ').append(providerType);
    }
    if (detail != null && !detail.isBlank()) {
      msg.append(": ").append(truncate(detail, 500));
    }
    return new ModelException(type, scrub(msg.toString(), secret), retryable, status, retryAfter);
  }

  /** The HTTP status Anthropic uses for an error {@code type} sent inside a stream. */
  static int statusForAnthropicType(String type) {
    if (type == null) {
      return 500;
    }
    return switch (type) {
      case "overloaded_error" -> 529;
      case "rate_limit_error" -> 429;
      case "authentication_error" -> 401;
      case "permission_error" -> 403;
      case "billing_error" -> 402;
      case "not_found_error" -> 404;
      case "request_too_large" -> 413;
      case "invalid_request_error" -> 400;
      case "timeout_error" -> 504;
      default -> 500;
    };
  }

  /** A network failure or timeout: retryable, status 0. */
  static ModelException network(String provider, Throwable e, String secret) {
    String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new ModelException(
        "model_request_failed_error",
        scrub(provider + " request failed: " + truncate(what, 300), secret),
        true,
        0,
        null);
  }

  static ModelException missingKey(String variable, String modelId) {
    return new ModelException(
        "authentication_error",
        variable + " is not set: the server needs it to call model " + modelId,
        false,
        0,
        null);
  }

  /**
   * Parses {@code retry-after-ms} (milliseconds) or {@code retry-after} (seconds or an HTTP date);
   * null when absent or unreadable.
   */
  static Duration retryAfter(Function<String, String> header) {
    String ms = header.apply("retry-after-ms");
    if (ms != null) {
      try {
        double v = Double.parseDouble(ms.trim());
        if (v >= 0) {
          return Duration.ofMillis((long) Math.ceil(v));
        }
      } catch (NumberFormatException e) {
        // fall through to retry-after
      }
    }
    String s = header.apply("retry-after");
    if (s == null) {
      return null;
    }
    try {
      double v = Double.parseDouble(s.trim());
      return v < 0 ? null : Duration.ofMillis((long) Math.ceil(v * 1000));
    } catch (NumberFormatException e) {
      try {
        Instant at =
            ZonedDateTime.parse(s.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration d = Duration.between(Instant.now(), at);
        return d.isNegative() ? Duration.ZERO : d;
      } catch (RuntimeException e2) {
        return null;
      }
    }
  }

  static String scrub(String text, String secret) {
    if (text == null || secret == null || secret.isEmpty()) {
      return text;
    }
    return text.replace(secret, "[redacted]");
  }

  static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "…";
  }
}
