package dev.agentry.server;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One skill upload ({@code POST /v1/skills} or {@code …/versions}): reads the form's {@code
 * files[]} parts (each named by its path in the skill) and, for a new skill, its {@code
 * display_name}, within {@link SkillArchive#MAX_BYTES}. A lone {@code .zip} part is taken as the
 * skill's files packed. Nothing is stored here: the caller packs and stores what it returns.
 */
final class SkillUpload {
  /** Room for the form's boundaries, part headers and small fields around the files. */
  private static final long FORM_OVERHEAD = 1024 * 1024;

  private static final int MAX_DISPLAY_NAME = 256;

  /** What the form held: the skill's files (path → bytes) and the display name, if sent. */
  record Form(Map<String, byte[]> files, String displayName) {}

  private final boolean displayNameAllowed;
  private final Map<String, byte[]> files = new LinkedHashMap<>();
  private String displayName;
  private boolean zipPart;
  private long total;

  private SkillUpload(boolean displayNameAllowed) {
    this.displayNameAllowed = displayNameAllowed;
  }

  /** Reads {@code req}'s form; {@code displayNameAllowed} for a new skill, not for a version. */
  static Form read(ServerRequest req, boolean displayNameAllowed) {
    return new SkillUpload(displayNameAllowed).run(req);
  }

  private Form run(ServerRequest req) {
    String contentType = req.headers().value(HeaderNames.CONTENT_TYPE).orElse(null);
    if (!MultipartForm.isFormData(contentType)) {
      throw ApiError.invalid(
          "body: must be multipart/form-data with the skill's files in parts named files[]");
    }
    long declared = req.headers().contentLength().orElse(-1);
    if (declared > SkillArchive.MAX_BYTES + FORM_OVERHEAD) {
      throw SkillArchive.tooLarge();
    }
    try (InputStream body = req.content().inputStream()) {
      MultipartForm.read(body, contentType, this::part);
    } catch (MultipartForm.Malformed e) {
      throw ApiError.unreadableBody("body: not well-formed multipart/form-data: " + e.getMessage());
    } catch (IOException e) {
      throw ApiError.unreadableBody(
          "body: could not be read (the connection closed early, or broken framing)");
    }
    if (zipPart) {
      if (files.size() != 1) {
        throw ApiError.invalid(
            "files: a .zip archive must be the only file sent (or send the files themselves)");
      }
      byte[] zip = files.values().iterator().next();
      return new Form(SkillArchive.unzip(new ByteArrayInputStream(zip)), displayName);
    }
    return new Form(files, displayName);
  }

  private void part(MultipartForm.Part part) throws IOException {
    switch (part.name()) {
      case "files[]", "files" -> file(part);
      case "display_name" -> {
        if (!displayNameAllowed) {
          throw ApiError.invalid(
              "display_name: is set when the skill is created, not per version",
              "unsupported_feature");
        }
        displayName(part);
      }
      default ->
          throw ApiError.invalid(
              part.name()
                  + ": is not a field of a skill upload ("
                  + (displayNameAllowed ? "files[], display_name" : "files[]")
                  + ")",
              "unsupported_feature");
    }
  }

  private void file(MultipartForm.Part part) throws IOException {
    String path = part.filename();
    boolean zip =
        (path != null && path.toLowerCase(Locale.ROOT).endsWith(".zip"))
            || "application/zip".equals(part.mediaType())
            || "application/x-zip-compressed".equals(part.mediaType());
    if (zip) {
      zipPart = true;
      path = path == null || path.isEmpty() ? "skill.zip" : path;
    } else {
      SkillArchive.checkPath(path, "files[" + files.size() + "].filename");
    }
    if (files.size() >= SkillArchive.MAX_FILES) {
      throw ApiError.invalid("files: a skill holds at most " + SkillArchive.MAX_FILES + " files");
    }
    byte[] bytes = part.content().readNBytes((int) (SkillArchive.MAX_BYTES - total + 1));
    total += bytes.length;
    if (total > SkillArchive.MAX_BYTES) {
      throw SkillArchive.tooLarge();
    }
    if (files.put(path, bytes) != null) {
      throw ApiError.invalid("files: '" + path + "' is sent twice");
    }
  }

  private void displayName(MultipartForm.Part part) throws IOException {
    if (displayName != null) {
      throw ApiError.invalid("display_name: must be sent once");
    }
    byte[] raw = part.content().readNBytes(MAX_DISPLAY_NAME * 4 + 1);
    String text = new String(raw, StandardCharsets.UTF_8).strip();
    if (text.isEmpty() || text.codePointCount(0, text.length()) > MAX_DISPLAY_NAME) {
      throw ApiError.invalid(
          "display_name: must be 1 to " + MAX_DISPLAY_NAME + " characters when sent");
    }
    if (text.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw ApiError.invalid("display_name: must not contain control characters");
    }
    displayName = text;
  }
}
