package dev.agentry.core;

import java.util.regex.Pattern;

/**
 * A stored blob: its content address (the SHA-256 of its bytes, 64 lowercase hex digits) and its
 * size in bytes. Equal content has an equal address, so a ref names the bytes, not an upload.
 */
public record BlobRef(String address, long size) {
  private static final Pattern ADDRESS = Pattern.compile("[0-9a-f]{64}");

  public BlobRef {
    requireAddress(address);
    if (size < 0) {
      throw new IllegalArgumentException("blob size must not be negative, got " + size);
    }
  }

  /** Whether {@code s} is a well-formed content address. */
  public static boolean isAddress(String s) {
    return s != null && ADDRESS.matcher(s).matches();
  }

  /**
   * @throws IllegalArgumentException when {@code address} is not 64 lowercase hex digits (which
   *     also keeps it from naming a path or key outside the store)
   */
  public static String requireAddress(String address) {
    if (!isAddress(address)) {
      throw new IllegalArgumentException(
          "a blob address is 64 lowercase hex digits (SHA-256), got '" + address + "'");
    }
    return address;
  }
}
