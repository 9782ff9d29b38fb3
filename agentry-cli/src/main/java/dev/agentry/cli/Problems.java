package dev.agentry.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.agentry.core.Json;
import dev.agentry.core.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * What went wrong, said for people: the file and what is wrong with it, the line and column of a
 * syntax error, never a Java class name or a stack trace ({@code AGENTRY_DEBUG=1} prints those).
 */
final class Problems {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private Problems() {}

  /** The text of {@code file}, or of stdin for {@code -}; a file that cannot be read is named. */
  static String read(String file, InputStream stdin) {
    try {
      return file.equals("-")
          ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8)
          : Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + describe(e));
    }
  }

  /**
   * {@code text} as JSON when {@code file} ends in {@code .json}, else as YAML (a superset); a
   * syntax error names the file, line and column.
   */
  static JsonNode parse(String file, String text) {
    boolean json = file.endsWith(".json");
    try {
      return json ? Json.mapper().readTree(text) : YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          (file.equals("-") ? "stdin" : file)
              + where(e)
              + ": not valid "
              + (json ? "JSON" : "YAML")
              + ": "
              + syntax(e));
    }
  }

  private static String where(JsonProcessingException e) {
    if (e.getCause() instanceof MarkedYAMLException y && y.getProblemMark() != null) {
      return ", line "
          + (y.getProblemMark().getLine() + 1)
          + ", column "
          + (y.getProblemMark().getColumn() + 1);
    }
    JsonLocation at = e.getLocation();
    return at == null || at.getLineNr() < 1
        ? ""
        : ", line " + at.getLineNr() + ", column " + at.getColumnNr();
  }

  private static String syntax(JsonProcessingException e) {
    if (e.getCause() instanceof MarkedYAMLException y && y.getProblem() != null) {
      return (y.getContext() == null ? "" : y.getContext() + ": ") + y.getProblem();
    }
    String m = e.getOriginalMessage();
    return m == null ? "syntax error" : m.lines().findFirst().orElse(m);
  }

  /** A sentence for {@code e} and its causes, with no class names. */
  static String describe(Throwable e) {
    return switch (e) {
      case NoSuchFileException f -> "no such file or directory";
      case AccessDeniedException f -> "permission denied";
      case FileSystemException f ->
          f.getReason() == null ? "cannot be read" : f.getReason().toLowerCase(Locale.ROOT);
      case HttpTimeoutException t -> "no answer in time";
      case ConnectException c -> "connection refused";
      case JsonProcessingException j -> "not valid JSON: " + syntax(j);
      case StoreException s -> s.getMessage();
      case IllegalArgumentException a -> a.getMessage();
      default -> {
        String m = e.getMessage();
        if (e instanceof IOException && m != null && !m.isBlank() && !m.contains("Exception")) {
          yield m.substring(0, 1).toLowerCase(Locale.ROOT) + m.substring(1);
        }
        yield "unexpected error"
            + (m == null || m.contains("Exception") ? "" : ": " + m)
            + " (set AGENTRY_DEBUG=1 to see where)";
      }
    };
  }
}
