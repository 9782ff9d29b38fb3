package dev.agentry.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A skill version's archive unpacked into the folder a sandbox sees at {@value #SANDBOX_ROOT}
 * {@code /<name>/}, bound read-only: on the server (docs/decisions/0041) and on a self-hosted
 * worker (0048) alike. The archive's one top folder is stripped ({@code <name>/SKILL.md} lands at
 * {@code <dest>/SKILL.md}); an entry outside it (zip slip, an absolute path, {@code ..}) or more
 * than {@link #MAX_BYTES} unpacked in all (a bomb, cut off there, never written whole) fails the
 * extraction.
 */
public final class SkillFolder {
  /** Where a sandbox sees a session's skills, one folder per skill name. */
  public static final String SANDBOX_ROOT = "/workspace/skills";

  /** The most a skill's files may hold in all, uncompressed (the hosted API's limit). */
  public static final long MAX_BYTES = 8L * 1024 * 1024;

  private static final int MAX_PATH = 512;

  private SkillFolder() {}

  /**
   * Extracts a version's archive into {@code dest} (which must not exist yet), without its top
   * folder. Every file is readable and executable by all, as the official worker leaves them.
   *
   * @throws IOException if the archive cannot be read, or holds an entry outside its folder, or
   *     unpacks to more than {@link #MAX_BYTES}
   */
  public static void extract(InputStream zip, Path dest) throws IOException {
    Files.createDirectories(dest);
    long total = 0;
    try (ZipInputStream in = new ZipInputStream(zip, StandardCharsets.UTF_8)) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (e.isDirectory()) {
          continue;
        }
        String path = e.getName();
        int slash = path.indexOf('/');
        if (slash < 0) {
          throw new IOException("archive entry '" + path + "' is not under the skill's folder");
        }
        String inner = path.substring(slash + 1);
        Path target = dest.resolve(inner).normalize();
        if (pathRule(inner) != null || !target.startsWith(dest)) {
          throw new IOException("archive entry '" + path + "' is outside the skill's folder");
        }
        Files.createDirectories(target.getParent());
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE, MAX_BYTES - total + 1));
        total += bytes.length;
        if (total > MAX_BYTES) {
          throw new IOException("the archive unpacks to more than " + MAX_BYTES + " bytes");
        }
        Files.write(target, bytes);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
  }

  /**
   * The rule {@code path} breaks as a file's path inside a skill, or null when it is a clean
   * relative path: no leading {@code /} or drive, no {@code ..}, {@code .} or empty segment, no
   * backslash or control character.
   */
  public static String pathRule(String path) {
    if (path == null || path.isEmpty()) {
      return "every file needs its path in the skill as its filename";
    }
    if (path.length() > MAX_PATH) {
      return "a path is at most " + MAX_PATH + " characters";
    }
    if (path.startsWith("/") || path.matches("[A-Za-z]:.*")) {
      return "must be a relative path inside the skill's root";
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\') {
        return "must not contain control characters or backslashes (use / between folders)";
      }
    }
    for (String segment : path.split("/", -1)) {
      if (segment.equals("..")) {
        return "must not point outside the skill's root (no ..)";
      }
      if (segment.isEmpty() || segment.equals(".")) {
        return "must be a clean path (no //, no ./, no trailing /)";
      }
    }
    return null;
  }
}
