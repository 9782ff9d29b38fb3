package dev.agentry.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.agentry.sandbox.SkillFolder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A skill's files: checked (relative paths inside the skill's root, a {@code SKILL.md} at the root
 * with {@code name} and {@code description} in its YAML front matter, a size limit over all of
 * them) and packed as the version's archive, a zip whose entries all sit under one folder named as
 * the skill (the layout the official worker strips when it extracts). Extracting checks the paths
 * again, so an archive that did not come from here cannot write outside its folder either.
 */
final class SkillArchive {
  /** The most a skill's files may hold in all, uncompressed (the hosted API's limit). */
  static final long MAX_BYTES = SkillFolder.MAX_BYTES;

  static final int MAX_FILES = 1000;
  static final String SKILL_MD = "SKILL.md";
  private static final int MAX_DESCRIPTION = 1024;
  private static final Pattern NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** A fixed entry time, so that the same files make the same archive (and share one blob). */
  private static final long ENTRY_TIME = 315_532_800_000L; // 1980-01-01, the zip format's epoch

  /** What a version is made of: its front matter and its packed archive. */
  record Packed(String name, String description, byte[] zip) {}

  private SkillArchive() {}

  /**
   * Packs {@code files} (path as uploaded → bytes). The paths may all sit under one top folder
   * ({@code my-skill/SKILL.md}, as the hosted API asks) or at the root; either way {@code SKILL.md}
   * must be at the skill's root.
   *
   * @throws ApiError a 400 naming the rule a path, the size or {@code SKILL.md} breaks
   */
  static Packed pack(Map<String, byte[]> files) {
    if (files.isEmpty()) {
      throw ApiError.invalid("files: at least one file is required, with a SKILL.md at the root");
    }
    long total = 0;
    Map<String, byte[]> clean = new TreeMap<>();
    for (var e : files.entrySet()) {
      String path = checkPath(e.getKey(), "files: '" + printable(e.getKey()) + "'");
      if (clean.put(path, e.getValue()) != null) {
        throw ApiError.invalid("files: '" + path + "' is sent twice");
      }
      total += e.getValue().length;
    }
    if (total > MAX_BYTES) {
      throw tooLarge();
    }
    Map<String, byte[]> rooted = stripTopFolder(clean);
    byte[] skillMd = rooted.get(SKILL_MD);
    if (skillMd == null) {
      throw ApiError.invalid(
          "files: a SKILL.md is required at the skill's root (SKILL.md, or my-skill/SKILL.md"
              + " when every file is under one folder)");
    }
    JsonNode front = frontMatter(skillMd);
    String name = name(front);
    String description = description(front);
    return new Packed(name, description, zip(name, rooted));
  }

  /**
   * The files of an uploaded zip archive (path → bytes), directories left out.
   *
   * @throws ApiError a 400 if it is not a zip, holds a path outside its root, or unpacks to more
   *     than {@link #MAX_BYTES}
   */
  static Map<String, byte[]> unzip(InputStream zip) {
    Map<String, byte[]> out = new TreeMap<>();
    long total = 0;
    try (ZipInputStream in = new ZipInputStream(zip, StandardCharsets.UTF_8)) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        String path = e.getName();
        if (e.isDirectory()) {
          checkPath(path.substring(0, path.length() - 1), "files: the archive's '" + path + "'");
          continue;
        }
        checkPath(path, "files: the archive's '" + printable(path) + "'");
        if (out.size() >= MAX_FILES) {
          throw ApiError.invalid("files: a skill holds at most " + MAX_FILES + " files");
        }
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE, MAX_BYTES - total + 1));
        total += bytes.length;
        if (total > MAX_BYTES) {
          throw tooLarge();
        }
        if (out.put(path, bytes) != null) {
          throw ApiError.invalid("files: the archive holds '" + path + "' twice");
        }
      }
    } catch (ZipException e) {
      throw ApiError.invalid("files: the archive is not a readable zip (" + e.getMessage() + ")");
    } catch (IOException e) {
      throw ApiError.invalid("files: the archive could not be read (" + e.getMessage() + ")");
    }
    if (out.isEmpty()) {
      throw ApiError.invalid("files: the archive holds no files");
    }
    return out;
  }

  /**
   * {@code path} if it is a clean relative path ({@link SkillFolder#pathRule}).
   *
   * @throws ApiError a 400 naming {@code what} and the rule it breaks
   */
  static String checkPath(String path, String what) {
    String rule = SkillFolder.pathRule(path);
    if (rule != null) {
      throw ApiError.invalid(what + ": " + rule);
    }
    return path;
  }

  /** The files relative to their one common top folder, if they all have one and no root file. */
  private static Map<String, byte[]> stripTopFolder(Map<String, byte[]> files) {
    if (files.containsKey(SKILL_MD)) {
      return files;
    }
    String top = null;
    for (String path : files.keySet()) {
      int slash = path.indexOf('/');
      if (slash < 0) {
        return files;
      }
      String first = path.substring(0, slash);
      if (top != null && !top.equals(first)) {
        return files;
      }
      top = first;
    }
    Map<String, byte[]> out = new TreeMap<>();
    int cut = top.length() + 1;
    files.forEach((path, bytes) -> out.put(path.substring(cut), bytes));
    return out;
  }

  private static JsonNode frontMatter(byte[] skillMd) {
    String text = new String(skillMd, StandardCharsets.UTF_8);
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    List<String> lines = new ArrayList<>(text.lines().toList());
    if (lines.isEmpty() || !lines.getFirst().strip().equals("---")) {
      throw ApiError.invalid(
          "files: SKILL.md must begin with YAML front matter (a '---' line, name: and"
              + " description:, then '---')");
    }
    int end = -1;
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).strip().equals("---")) {
        end = i;
        break;
      }
    }
    if (end < 0) {
      throw ApiError.invalid("files: SKILL.md's front matter is not closed by a '---' line");
    }
    JsonNode front;
    try {
      front = YAML.readTree(String.join("\n", lines.subList(1, end)));
    } catch (JsonProcessingException e) {
      throw ApiError.invalid(
          "files: SKILL.md's front matter is not valid YAML: " + e.getOriginalMessage());
    }
    if (front == null || !front.isObject()) {
      throw ApiError.invalid("files: SKILL.md's front matter must be a YAML mapping");
    }
    return front;
  }

  private static String name(JsonNode front) {
    JsonNode n = front.get("name");
    if (n == null || !n.isTextual() || n.asText().isBlank()) {
      throw ApiError.invalid("files: SKILL.md's front matter needs a name");
    }
    String name = n.asText().strip();
    if (name.length() > 64 || !NAME.matcher(name).matches()) {
      throw ApiError.invalid(
          "files: SKILL.md's name '"
              + printable(name)
              + "' must be at most 64 lowercase letters, digits and single hyphens"
              + " (it names the skill's folder)");
    }
    return name;
  }

  private static String description(JsonNode front) {
    JsonNode d = front.get("description");
    if (d == null || !d.isTextual() || d.asText().isBlank()) {
      throw ApiError.invalid("files: SKILL.md's front matter needs a description");
    }
    String description = d.asText().strip();
    if (description.length() > MAX_DESCRIPTION) {
      throw ApiError.invalid(
          "files: SKILL.md's description must be at most " + MAX_DESCRIPTION + " characters");
    }
    return description;
  }

  private static byte[] zip(String name, Map<String, byte[]> files) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes, StandardCharsets.UTF_8)) {
      for (var e : files.entrySet()) {
        ZipEntry entry = new ZipEntry(name + "/" + e.getKey());
        entry.setTime(ENTRY_TIME);
        out.putNextEntry(entry);
        out.write(e.getValue());
        out.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writes to memory do not fail
    }
    return bytes.toByteArray();
  }

  static ApiError tooLarge() {
    return ApiError.invalid(
        "files: a skill may hold at most " + MAX_BYTES + " bytes in all (uncompressed)");
  }

  private static String printable(String s) {
    StringBuilder out = new StringBuilder();
    s.codePoints().limit(200).forEach(c -> out.appendCodePoint(c < 0x20 || c == 0x7f ? '?' : c));
    return out.toString();
  }
}
