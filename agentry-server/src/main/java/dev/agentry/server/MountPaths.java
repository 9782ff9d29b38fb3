package dev.agentry.server;

import java.util.Collection;
import java.util.Set;

/**
 * The rules of a resource's {@code mount_path}: absolute and clean, outside the sandbox's system
 * directories and the session's own mounts, and apart from every other resource's (neither the same
 * path nor inside one another).
 */
final class MountPaths {
  static final String UPLOADS = "/mnt/session/uploads";
  static final String OUTPUTS = "/mnt/session/outputs";
  static final String WORKSPACE = "/workspace";
  static final int MAX_LENGTH = 1024;

  /** Top-level directories the sandbox itself builds (system files, /tmp, /proc, the proxy). */
  private static final Set<String> SYSTEM =
      Set.of(
          "bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "root", "run",
          "sbin", "sys", "tmp", "usr", "var");

  private MountPaths() {}

  /**
   * {@code value} checked as a mount path; {@code field} names it in errors.
   *
   * @throws ApiError a 400 naming the field and the rule
   */
  static String check(String value, String field) {
    if (!value.startsWith("/")) {
      throw ApiError.invalid(field + ": must be an absolute path (start with /)");
    }
    if (value.length() > MAX_LENGTH) {
      throw ApiError.invalid(field + ": must be at most " + MAX_LENGTH + " characters");
    }
    if (value.length() > 1 && value.endsWith("/")) {
      throw ApiError.invalid(field + ": must not end with /");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\') {
        throw ApiError.invalid(field + ": must not contain control characters or backslashes");
      }
    }
    String[] segments = value.substring(1).split("/", -1);
    for (String s : segments) {
      if (s.equals("..")) {
        throw ApiError.invalid(field + ": must not contain ..");
      }
      if (s.isEmpty() || s.equals(".")) {
        throw ApiError.invalid(field + ": must be a clean path (no //, no /./)");
      }
    }
    if (SYSTEM.contains(segments[0])) {
      throw ApiError.invalid(
          field + ": /" + segments[0] + " belongs to the sandbox; mount under /workspace or /mnt");
    }
    if (value.equals("/opt") || value.equals("/opt/agentry") || value.startsWith("/opt/agentry/")) {
      // the environment's package layer is mounted at /opt/agentry/packages
      throw ApiError.invalid(field + ": /opt/agentry belongs to the sandbox's packages");
    }
    if (value.equals(WORKSPACE) || value.equals("/mnt") || value.equals("/mnt/session")) {
      throw ApiError.invalid(field + ": " + value + " itself cannot be a mount path");
    }
    if (value.equals(UPLOADS)) {
      throw ApiError.invalid(field + ": " + UPLOADS + " itself cannot be a mount path");
    }
    if (nested(value, ResourceParser.MEMORY_ROOT)) {
      throw ApiError.invalid(
          field
              + ": "
              + ResourceParser.MEMORY_ROOT
              + " is where memory stores mount; mount elsewhere");
    }
    if (nested(value, OUTPUTS)) {
      throw ApiError.invalid(
          field + ": " + OUTPUTS + " is the session's outputs directory; mount elsewhere");
    }
    return value;
  }

  /**
   * @throws ApiError a 400 naming the field if {@code path} is, contains or lies inside one of
   *     {@code taken}
   */
  static void checkApart(String path, Collection<String> taken, String field) {
    for (String other : taken) {
      if (nested(path, other) || nested(other, path)) {
        throw ApiError.invalid(
            field
                + ": "
                + path
                + (path.equals(other) ? " is" : " overlaps")
                + " the mount path of another resource ("
                + other
                + ")");
      }
    }
  }

  /** Whether {@code path} is {@code dir} or lies inside it. */
  static boolean nested(String path, String dir) {
    return path.equals(dir) || path.startsWith(dir + "/");
  }
}
