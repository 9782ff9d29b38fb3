package dev.agentry.harness;

import java.util.Optional;

/**
 * Reads an outcome's rubric file ({@code rubric: {type: "file", file_id}}) for the grader: the
 * Files API's bytes are the server's to read. Empty when the file is gone or unreadable; the
 * evaluation then fails and says so.
 */
@FunctionalInterface
public interface Rubrics {
  Rubrics NONE = (sessionId, fileId) -> Optional.empty();

  /** The text of file {@code fileId}, as {@code sessionId}'s workspace sees it. */
  Optional<String> text(String sessionId, String fileId);
}
