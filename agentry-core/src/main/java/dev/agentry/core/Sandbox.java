package dev.agentry.core;

import java.time.Duration;
import java.util.List;

/**
 * One session's isolated place to run code, over the session's workspace (mounted at {@code
 * /workspace}). Sandboxes are cattle: the workspace outlives them.
 */
public interface Sandbox extends AutoCloseable {

  /** The shell of the session's primary thread, the one {@link #shell(String, Duration)} uses. */
  String MAIN_SHELL = "main";

  /**
   * Runs {@code command} in the session's main persistent shell: the working directory and exported
   * variables carry over between calls. A command that runs past {@code timeout} is killed with
   * every process it started, and the shell stays usable.
   */
  default ExecResult shell(String command, Duration timeout) {
    return shell(MAIN_SHELL, command, timeout);
  }

  /**
   * As {@link #shell(String, Duration)}, in the persistent shell named {@code shellName}, started
   * on its first call: each thread of a multi-agent session has its own (docs/decisions/0047), over
   * the one filesystem and within the one set of limits. Calls to different shells may run at the
   * same time; calls to one shell run one after the other.
   */
  ExecResult shell(String shellName, String command, Duration timeout);

  /**
   * Replaces the main shell with a fresh one (working directory {@code /workspace}, clean
   * variables).
   */
  default void restartShell() {
    restartShell(MAIN_SHELL);
  }

  /** As {@link #restartShell()}, for the shell named {@code shellName}; the others are kept. */
  void restartShell(String shellName);

  /**
   * Kills the shell named {@code shellName} now, with the command it runs and everything that
   * started, without waiting for that command (an interrupt of one thread's call): the call
   * returns, and the next call to that shell starts a fresh one in the working directory and with
   * the exports it had after its last completed call. The other shells run on. A shell that does
   * not exist is left alone.
   */
  void interruptShell(String shellName);

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
