package dev.agentry.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ExecResult;
import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxException;
import dev.agentry.core.SandboxLimits;
import dev.agentry.core.ThreadView;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolOutcome;
import java.time.Duration;
import java.util.Set;
import java.util.function.Function;

/**
 * The {@code agent_toolset_20260401} tools that run in the session's sandbox: {@code bash}, {@code
 * read}, {@code write}, {@code edit}, {@code glob} and {@code grep}. Bad input, unknown tools and
 * failures come back as error outcomes naming the problem, never as exceptions.
 *
 * <p>Result formats:
 *
 * <ul>
 *   <li>{@code bash}: the command's combined output ({@code "(no output)"} if none). A non-zero
 *       exit is not an error outcome; the text ends with {@code "\n[exit code: N]"}. Output cut at
 *       the sandbox's output limit ends with one {@code "[output truncated: …]"} note (the
 *       sandbox's own, or ours if it gave none). A tripped limit (timeout, memory, processes, file
 *       size, disk) is an error outcome saying which. {@code timeout_ms} defaults to {@link
 *       SandboxLimits#defaultTimeout()}; above {@link SandboxLimits#maxTimeout()} it is refused.
 *       {@code restart: true} gives a fresh shell first; with no command it reports the restart.
 *       Each session thread has its own shell (working directory, variables), over the one
 *       sandbox's filesystem; {@code restart} restarts only the calling thread's. When the
 *       session's environment asked for network access and the sandboxes have no egress proxy (e.g.
 *       {@code unsafe-local}), the text ends with a note that there is no network.
 *   <li>{@code read}: {@code cat -n} style, a six-wide right-aligned line number, a tab, the line.
 *       Files over 256 KiB are refused unless {@code view_range} is given (then at most 256 KiB of
 *       lines is shown, with a note on how to go on); the text is also cut to the output limit,
 *       with a note. Directories, missing files and binary files (NUL bytes or invalid UTF-8) are
 *       errors.
 *   <li>{@code write}: {@code "Wrote N bytes to /workspace/…"}; parent folders are made.
 *   <li>{@code edit}: {@code "Made N replacement(s) in /workspace/…"}; an absent {@code
 *       old_string}, or one found more than once without {@code replace_all}, is an error and
 *       changes nothing.
 *   <li>{@code glob}: absolute paths, one a line, newest first, at most 200 (with a note when more
 *       matched). Files (and symlinks) only; {@code *} and {@code ?} stay within a folder, {@code
 *       **} crosses folders, {@code [..]} and {@code {a,b}} work; {@code .git} is skipped.
 *   <li>{@code grep}: ripgrep's {@code path:line:text}, paths relative to {@code /workspace}, at
 *       most 100 KiB; ripgrep's regex syntax and {@code .gitignore} handling. Without ripgrep in
 *       the sandbox, a Python fallback says so in its first line.
 * </ul>
 *
 * <p>Paths are relative to {@code /workspace} or absolute inside it. The file tools run inside the
 * sandbox (see {@link FileTools}) and refuse any path whose real path leaves {@code /workspace}.
 */
public final class BuiltInTools implements ToolExecutor {
  private static final Set<String> FILE_TOOLS = Set.of("read", "write", "edit", "glob", "grep");
  static final String NO_NETWORK_NOTE =
      "[note: this environment asked for network access, but networking is not available in this"
          + " sandbox yet; network calls will fail]";

  private final SandboxManager manager;
  private final SandboxLimits limits;
  private final Function<String, Boolean> networkRequested;
  private final FileTools files;

  private BuiltInTools(
      SandboxManager manager, SandboxLimits limits, Function<String, Boolean> networkRequested) {
    this.manager = manager;
    this.limits = limits;
    this.networkRequested = networkRequested;
    this.files = new FileTools(limits);
  }

  /** The built-in tools over {@code manager}'s sandboxes; no session asks for network access. */
  public static BuiltInTools create(SandboxManager manager, SandboxLimits limits) {
    return create(manager, limits, sessionId -> false);
  }

  /**
   * As {@link #create(SandboxManager, SandboxLimits)}; {@code networkRequested} tells whether a
   * session's environment asked for network access, so bash can say that it is not available.
   */
  public static BuiltInTools create(
      SandboxManager manager, SandboxLimits limits, Function<String, Boolean> networkRequested) {
    return new BuiltInTools(manager, limits, networkRequested);
  }

  @Override
  public void prepare(String sessionId) {
    manager.prepare(sessionId);
  }

  @Override
  public ToolOutcome execute(
      String sessionId, String name, JsonNode input, Cancellation cancellation) {
    return execute(sessionId, ThreadView.primaryId(sessionId), name, input, cancellation);
  }

  @Override
  public ToolOutcome execute(
      String sessionId, String threadId, String name, JsonNode input, Cancellation cancellation) {
    // An interrupt kills whatever the call started. A primary thread's call closes the session's
    // sandbox (the next call gets a fresh one over the same workspace), as it always has; a member
    // thread's kills only that thread's shell, so the other threads' commands run on (ADR 0047).
    String shell = shellOf(sessionId, threadId);
    cancellation.onCancel(
        Sandbox.MAIN_SHELL.equals(shell)
            ? () -> manager.release(sessionId)
            : () -> manager.interruptShell(sessionId, shell));
    if (cancellation.isCancelled()) {
      return ToolOutcome.error(name + " was interrupted before it ran");
    }
    try {
      if ("bash".equals(name)) {
        return bash(sessionId, shell, ToolInputs.object(input));
      }
      if (name != null && FILE_TOOLS.contains(name)) {
        var request = files.request(name, ToolInputs.object(input));
        return files.run(manager.sandboxFor(sessionId), request);
      }
      return ToolOutcome.error(
          "unknown tool '"
              + name
              + "'; the built-in tools are bash, read, write, edit, glob, grep");
    } catch (ToolInputs.Invalid e) {
      return ToolOutcome.error(name + ": " + e.getMessage());
    } catch (PackageInstallException e) {
      return ToolOutcome.error(
          name + " failed: the sandbox did not start: " + e.getMessage(), sessionError(e));
    } catch (SandboxException e) {
      if (cancellation.isCancelled()) {
        return ToolOutcome.error(name + " was interrupted; what it started was killed");
      }
      return ToolOutcome.error(
          name
              + " failed: the sandbox failed ("
              + e.getMessage()
              + "); the next call starts a"
              + " fresh sandbox over the same workspace");
    }
  }

  /**
   * The session.error of packages that did not install: {@code unknown_error}, a type every SDK
   * parses, with the manager and the package as extra fields (docs/decisions/0040). Terminal for
   * this call; the next call tries again once the failure's minute has passed.
   */
  private static JsonNode sessionError(PackageInstallException e) {
    var err = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    err.put("type", "unknown_error");
    err.put("message", e.getMessage());
    err.put("package_manager", e.manager());
    err.put("package", e.packageName());
    err.putObject("retry_status").put("type", "terminal");
    return err;
  }

  /**
   * The shell a thread's bash calls run in: the primary thread's is the sandbox's main shell (so a
   * session without a roster is as it always was), each member thread has its own (ADR 0047).
   */
  static String shellOf(String sessionId, String threadId) {
    return threadId.equals(ThreadView.primaryId(sessionId)) ? Sandbox.MAIN_SHELL : threadId;
  }

  private ToolOutcome bash(String sessionId, String shell, JsonNode input) {
    var command = ToolInputs.optionalString(input, "command");
    boolean restart = ToolInputs.optionalBoolean(input, "restart");
    Duration timeout = timeout(input);
    if (command.isEmpty() && !restart) {
      throw new ToolInputs.Invalid("missing required field 'command' (a string), unless restart");
    }
    Sandbox sandbox = manager.sandboxFor(sessionId);
    if (restart) {
      sandbox.restartShell(shell);
      if (command.isEmpty() || command.get().isBlank()) {
        return ToolOutcome.ok(withNetworkNote(sessionId, "The shell was restarted."));
      }
    }
    ExecResult r = sandbox.shell(shell, command.get(), timeout);
    if (r.failure() != null) {
      String out = r.output() == null ? "" : r.output().strip();
      return ToolOutcome.error(
          withNetworkNote(
              sessionId,
              describeFailure(r.failure(), timeout.toMillis())
                  + (out.isEmpty() ? "" : "\nOutput before it stopped:\n" + out)));
    }
    StringBuilder text = new StringBuilder(r.output() == null ? "" : r.output());
    if (r.truncated() && text.indexOf("[output truncated") < 0) {
      text.append(text.isEmpty() || text.charAt(text.length() - 1) == '\n' ? "" : "\n")
          .append("[output truncated: only ")
          .append(limits.maxOutputBytes())
          .append(" bytes of the output are shown]");
    }
    if (text.isEmpty() && r.exitCode() == 0) {
      text.append("(no output)");
    }
    if (r.exitCode() != 0) {
      text.append(text.isEmpty() || text.charAt(text.length() - 1) == '\n' ? "" : "\n")
          .append("[exit code: ")
          .append(r.exitCode())
          .append(']');
    }
    return ToolOutcome.ok(withNetworkNote(sessionId, text.toString()));
  }

  private Duration timeout(JsonNode input) {
    var ms = ToolInputs.optionalPositiveLong(input, "timeout_ms");
    if (ms.isEmpty()) {
      return limits.defaultTimeout();
    }
    long max = limits.maxTimeout().toMillis();
    if (ms.get() > max) {
      throw new ToolInputs.Invalid(
          "field 'timeout_ms' is " + ms.get() + ", above the maximum of " + max + " ms");
    }
    return Duration.ofMillis(ms.get());
  }

  private String withNetworkNote(String sessionId, String text) {
    // Sandboxes behind the egress proxy have the network their policy allows (refusals are 403s
    // that say why); only a provider without the proxy has none at all.
    if (manager.egressProxied() || !Boolean.TRUE.equals(networkRequested.apply(sessionId))) {
      return text;
    }
    return text + (text.endsWith("\n") ? "" : "\n") + NO_NETWORK_NOTE;
  }

  static String describeFailure(String failure, long timeoutMillis) {
    return switch (failure) {
      case "timeout" ->
          "the command timed out after "
              + timeoutMillis
              + " ms and was killed with the processes it started (the shell, its working"
              + " directory and exports are kept)";
      case "memory" -> "the sandbox's memory limit was reached and the command was killed";
      case "processes" -> "the sandbox's process limit was reached (too many processes)";
      case "file_size" -> "a file grew past the sandbox's file size limit";
      case "disk" -> "the workspace's disk quota is full";
      default -> "the command failed: " + failure;
    };
  }
}
