package dev.agentry.core;

import java.time.Duration;
import java.util.List;

/**
 * One session's isolated place to run code, over the session's workspace (mounted at {@code
 * /workspace}). Sandboxes are cattle: the workspace outlives them.
 */
public interface Sandbox extends AutoCloseable {

  /**
   * Runs {@code command} in the session's persistent shell: the working directory and exported
   * variables carry over between calls. A command that runs past {@code timeout} is killed with
   * every process it started, and the shell stays usable.
   */
  ExecResult shell(String command, Duration timeout);

  /**
   * Replaces the shell with a fresh one (working directory {@code /workspace}, clean variables).
   */
  void restartShell();

  /**
   * Runs {@code argv} once, in a fresh process confined like the shell, with {@code stdin} as its
   * input; used by the file tools so that every path is resolved inside the sandbox.
   */
  ExecResult exec(List<String> argv, byte[] stdin, Duration timeout);

  /** False once the sandbox died or was closed; a closed sandbox is never reused. */
  boolean isAlive();

  @Override
  void close();
}
