package dev.agentry.server;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;

/**
 * The rules of a memory's {@code path}: absolute, 1 to 20 segments, at most 1,024 UTF-8 bytes, in
 * Unicode NFC, no empty, {@code .} or {@code ..} segment and no control character. A path is
 * compared byte for byte, so a path in another normal form would be another memory; it is refused
 * rather than silently normalised.
 */
final class MemoryPaths {
  static final int MAX_SEGMENTS = 20;
  static final int MAX_BYTES = 1024;

  private MemoryPaths() {}

  /**
   * @throws ApiError a 400 naming {@code field} and the rule
   */
  static String check(String path, String field) {
    if (!path.startsWith("/")) {
      throw ApiError.invalid(field + ": must start with /");
    }
    if (path.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw ApiError.invalid(field + ": must be at most " + MAX_BYTES + " bytes");
    }
    if (!Normalizer.isNormalized(path, Normalizer.Form.NFC)) {
      throw ApiError.invalid(field + ": must be in Unicode normal form NFC");
    }
    String[] segments = path.substring(1).split("/", -1);
    if (segments.length > MAX_SEGMENTS) {
      throw ApiError.invalid(field + ": must have at most " + MAX_SEGMENTS + " segments");
    }
    for (String s : segments) {
      if (s.isEmpty()) {
        throw ApiError.invalid(field + ": must not have an empty segment (// or a trailing /)");
      }
      if (s.equals(".") || s.equals("..")) {
        throw ApiError.invalid(field + ": must not have a . or .. segment");
      }
      if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw ApiError.invalid(field + ": must not contain control characters");
      }
    }
    return path;
  }

  /** A listing's {@code path_prefix}: {@code /} or a valid path followed by {@code /}. */
  static String checkPrefix(String prefix, String field) {
    if (!prefix.endsWith("/")) {
      throw ApiError.invalid(field + ": must end with /");
    }
    if (!prefix.equals("/")) {
      check(prefix.substring(0, prefix.length() - 1), field);
    }
    return prefix;
  }

  /**
   * The folder a store is mounted as: its name lowercased, each run of characters other than ASCII
   * letters and digits a {@code -}.
   */
  static String slug(String name) {
    return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
  }
}
