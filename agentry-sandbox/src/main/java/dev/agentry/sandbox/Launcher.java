package dev.agentry.sandbox;

import java.util.List;

/**
 * How one sandbox turns an argv into a host process. The shell/exec machinery ({@link
 * ProcessSandbox}) is shared; only confinement and the limit bookkeeping differ per backend.
 */
interface Launcher {

  /** A process builder (environment already cleared) that runs {@code argv} inside the sandbox. */
  ProcessBuilder command(List<String> argv);

  /** Monotonic counters bumped by tripped limits: {oom kills, pids-limit hits}. */
  long[] counters();

  /** Kills {@code p} and everything it started. */
  void kill(Process p);

  /**
   * Whether {@link #kill} ends every process that could hold {@code p}'s output pipe open, so that
   * a read of it returns once {@code p} is killed. Where it does, the shell's caller reads the pipe
   * itself ({@link ShellSession}); where a process may escape the kill, a reader that can be
   * abandoned does.
   */
  default boolean killEndsOutput() {
    return false;
  }

  /** Kills whatever is left in the sandbox and frees its host resources (cgroups). */
  void close();

  /** The path commands see as the workspace ({@code /workspace} when it is bind-mounted). */
  String workspacePath();
}
