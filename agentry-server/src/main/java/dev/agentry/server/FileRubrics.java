package dev.agentry.server;

import dev.agentry.core.FileService;
import dev.agentry.core.SessionRepository;
import dev.agentry.harness.Rubrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * An outcome's rubric file, read for the grader from the Files API of the session's workspace
 * (docs/decisions/0043). At most {@link #MAX_BYTES} are read: a rubric is instructions, not data.
 */
final class FileRubrics implements Rubrics {
  static final int MAX_BYTES = 256 * 1024;

  private final SessionRepository sessions;
  private final FileService files;

  FileRubrics(SessionRepository sessions, FileService files) {
    this.sessions = sessions;
    this.files = files;
  }

  @Override
  public Optional<String> text(String sessionId, String fileId) {
    return sessions
        .workspaceOf(sessionId)
        .flatMap(workspace -> files.find(workspace, fileId))
        .map(
            file -> {
              try (InputStream in = files.open(file)) {
                return new String(in.readNBytes(MAX_BYTES), StandardCharsets.UTF_8);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }
}
