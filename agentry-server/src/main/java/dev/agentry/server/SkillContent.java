package dev.agentry.server;

import dev.agentry.core.BlobException;
import dev.agentry.core.SkillService;
import dev.agentry.core.SkillVersion;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * A skill version found from a request's {@code {id}} and {@code {version}} ({@code latest} or a
 * number) and its archive sent as the response. Kept apart from the API key routes so that another
 * caller of the same workspace (a self-hosted worker with a per-item token, which downloads a
 * session's skills) can serve the same content through a route of its own.
 */
final class SkillContent {
  static final String LATEST = "latest";

  private SkillContent() {}

  /** The version {@code req} names in the caller's workspace, or a 404. */
  static SkillVersion version(SkillService skills, ServerRequest req) {
    return version(skills, Caller.workspace(req), Api.param(req, "id"), Api.param(req, "vid"));
  }

  /** The version of {@code skillId} in {@code workspaceId} that {@code version} names, or a 404. */
  static SkillVersion version(
      SkillService skills, String workspaceId, String skillId, String version) {
    int number;
    if (version.equals(LATEST)) {
      number =
          skills
              .records()
              .find(workspaceId, skillId)
              .orElseThrow(() -> ApiError.notFound("skill " + skillId + " not found"))
              .latestVersion();
    } else {
      number = number(skillId, version);
    }
    return skills
        .records()
        .findVersion(workspaceId, skillId, number)
        .orElseThrow(() -> noVersion(skillId, version));
  }

  /** A version's number from its id, or a 404 (no other id can name a version). */
  static int number(String skillId, String version) {
    if (!version.matches("[1-9][0-9]{0,8}")) {
      throw noVersion(skillId, version);
    }
    return Integer.parseInt(version);
  }

  static ApiError noVersion(String skillId, String version) {
    return ApiError.notFound("skill " + skillId + " has no version " + version);
  }

  /** Sends the version's zip archive as the response body. */
  static void send(SkillService skills, SkillVersion version, ServerResponse res) {
    InputStream content;
    try {
      content = skills.open(version);
    } catch (BlobException.NotFound e) {
      throw ApiError.notFound(
          "the content of skill "
              + version.skillId()
              + " version "
              + version.version()
              + " is gone");
    }
    res.header(HeaderNames.CONTENT_TYPE, "application/zip");
    res.header(HeaderNames.CONTENT_LENGTH, Long.toString(version.sizeBytes()));
    res.header(
        HeaderNames.CONTENT_DISPOSITION,
        FileRoutes.disposition(version.name() + "-" + version.version() + ".zip"));
    try (InputStream in = content;
        OutputStream out = res.outputStream()) {
      in.transferTo(out);
    } catch (IOException e) {
      // the client went away, or the store failed mid-stream: the status is already sent
      throw new UncheckedIOException(e);
    }
  }
}
