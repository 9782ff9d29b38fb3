package dev.agentry.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The hash and size a memory's content is known by: of its UTF-8 bytes. */
public final class MemoryContent {
  /** The largest content a memory holds, in UTF-8 bytes. */
  public static final int MAX_BYTES = 102_400;

  private MemoryContent() {}

  public static String sha256(String content) {
    return sha256(content.getBytes(StandardCharsets.UTF_8));
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  public static int size(String content) {
    return content.getBytes(StandardCharsets.UTF_8).length;
  }
}
