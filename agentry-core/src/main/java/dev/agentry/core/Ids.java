package dev.agentry.core;

import java.security.SecureRandom;

/**
 * Generates opaque ids such as {@code sesn_01kZ3…}: a millisecond timestamp (so ids of one kind
 * sort roughly by creation, which keeps B-tree inserts local) followed by 80 random bits, all
 * base62.
 */
public final class Ids {
  private static final char[] ALPHABET =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  public static String next(IdKind kind) {
    StringBuilder sb = new StringBuilder(kind.prefix().length() + 24).append(kind.prefix());
    appendBase62(sb, System.currentTimeMillis(), 8);
    byte[] random = new byte[10];
    RANDOM.nextBytes(random);
    for (byte b : random) {
      sb.append(ALPHABET[(b & 0xff) % 62]);
    }
    return sb.toString();
  }

  /** A random secret of {@code bytes} bytes rendered in base62, for API keys and the like. */
  public static String secret(String prefix, int length) {
    StringBuilder sb = new StringBuilder(prefix);
    for (int i = 0; i < length; i++) {
      sb.append(ALPHABET[RANDOM.nextInt(62)]);
    }
    return sb.toString();
  }

  private static void appendBase62(StringBuilder sb, long value, int width) {
    char[] digits = new char[width];
    for (int i = width - 1; i >= 0; i--) {
      digits[i] = ALPHABET[(int) (value % 62)];
      value /= 62;
    }
    sb.append(digits);
  }
}
