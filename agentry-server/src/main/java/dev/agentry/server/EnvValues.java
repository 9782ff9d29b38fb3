package dev.agentry.server;

import java.util.Map;

/** Reads typed settings from environment variables; errors name the variable and the bound. */
final class EnvValues {
  private EnvValues() {}

  /** The integer {@code key}, or {@code fallback} when unset or blank. */
  static long number(Map<String, String> env, String key, long fallback, long min, long max) {
    String v = env.get(key);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    long n;
    try {
      n = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(key + " must be between " + min + " and " + max);
    }
    return n;
  }

  /** The string {@code key}, or null when unset or blank. */
  static String string(Map<String, String> env, String key) {
    String v = env.get(key);
    return v == null || v.isBlank() ? null : v;
  }
}
