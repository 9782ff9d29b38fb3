package dev.agentry.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.ExecResult;
import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxLimits;
import dev.agentry.core.ToolOutcome;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Runs read, write, edit, glob and grep inside the sandbox: {@code fs_tool.py} is passed as {@code
 * python3 -I -c <script>} with the request as JSON on stdin, so that every path is resolved in the
 * sandbox's mount namespace (host paths do not even exist there) and checked with {@code realpath}
 * against {@code /workspace}. The script prints a marker and one JSON line {@code {ok, text}}.
 */
final class FileTools {
  private static final String MARKER = "@@agentry-fs-reply@@";
  private static final String SCRIPT = loadScript();

  private final ObjectMapper json = new ObjectMapper();
  private final SandboxLimits limits;

  FileTools(SandboxLimits limits) {
    this.limits = limits;
  }

  /** Checks {@code input} for tool {@code name} and builds the script's request. */
  ObjectNode request(String name, JsonNode input) {
    ObjectNode req = json.createObjectNode();
    req.put("tool", name);
    req.put("max_output", limits.maxOutputBytes());
    switch (name) {
      case "read" -> {
        req.put("file_path", ToolInputs.requiredString(input, "file_path"));
        ToolInputs.optionalViewRange(input, "view_range")
            .ifPresent(r -> req.putArray("view_range").add(r[0]).add(r[1]));
      }
      case "write" -> {
        req.put("file_path", ToolInputs.requiredString(input, "file_path"));
        req.put("content", ToolInputs.requiredString(input, "content"));
      }
      case "edit" -> {
        req.put("file_path", ToolInputs.requiredString(input, "file_path"));
        req.put("old_string", ToolInputs.requiredString(input, "old_string"));
        req.put("new_string", ToolInputs.requiredString(input, "new_string"));
        req.put("replace_all", ToolInputs.optionalBoolean(input, "replace_all"));
      }
      case "glob", "grep" -> {
        String pattern = ToolInputs.requiredString(input, "pattern");
        if (pattern.isEmpty()) {
          throw new ToolInputs.Invalid("field 'pattern' must not be empty");
        }
        req.put("pattern", pattern);
        ToolInputs.optionalString(input, "path").ifPresent(p -> req.put("path", p));
      }
      default -> throw new IllegalArgumentException("not a file tool: " + name);
    }
    return req;
  }

  ToolOutcome run(Sandbox sandbox, ObjectNode request) {
    byte[] stdin;
    try {
      stdin = json.writeValueAsBytes(request);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    Duration timeout = limits.defaultTimeout();
    ExecResult r = sandbox.exec(List.of("python3", "-I", "-c", SCRIPT), stdin, timeout);
    String tool = request.get("tool").asText();
    if (r.failure() != null) {
      return ToolOutcome.error(
          tool + " failed: " + BuiltInTools.describeFailure(r.failure(), timeout.toMillis()));
    }
    String out = r.output() == null ? "" : r.output();
    int at = out.lastIndexOf(MARKER);
    if (at < 0) {
      return ToolOutcome.error(
          tool + " failed inside the sandbox (exit code " + r.exitCode() + "): " + tail(out));
    }
    try {
      JsonNode reply = json.readTree(out.substring(at + MARKER.length()).strip());
      String text = reply.path("text").asText("");
      return reply.path("ok").asBoolean(false) ? ToolOutcome.ok(text) : ToolOutcome.error(text);
    } catch (JsonProcessingException e) {
      return ToolOutcome.error(tool + " failed: its reply could not be read: " + tail(out));
    }
  }

  private static String tail(String out) {
    String s = out.strip();
    return s.length() <= 2000 ? s : "…" + s.substring(s.length() - 2000);
  }

  private static String loadScript() {
    try (InputStream in = FileTools.class.getResourceAsStream("fs_tool.py")) {
      if (in == null) {
        throw new IllegalStateException("fs_tool.py is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
