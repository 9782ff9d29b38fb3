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

  /** Kills whatever is left in the sandbox and frees its host resources (cgroups). */
  void close();

  /** The path commands see as the workspace ({@code /workspace} when it is bind-mounted). */
  String workspacePath();
}
