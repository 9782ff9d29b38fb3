package dev.agentry.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Development-only launcher: a plain process in the workspace with rlimits and a small environment.
 * There is no isolation at all; the process sees the host as the server's user does.
 */
final class LocalLauncher implements Launcher {
  private final String workspace;
  private final String prlimit; // null if missing
  private final long maxFileBytes;
  private final long cpuSeconds;

  LocalLauncher(String workspace, String prlimit, long maxFileBytes, long cpuSeconds) {
    this.workspace = workspace;
    this.prlimit = prlimit;
    this.maxFileBytes = maxFileBytes;
    this.cpuSeconds = cpuSeconds;
  }

  @Override
  public ProcessBuilder command(List<String> argv) {
    List<String> cmd = new ArrayList<>();
    if (prlimit != null) {
      cmd.addAll(List.of(prlimit, "--fsize=" + maxFileBytes, "--cpu=" + cpuSeconds, "--"));
    }
    cmd.addAll(argv);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.directory(new java.io.File(workspace));
    Map<String, String> env = pb.environment();
    env.clear(); // never hand the server's secrets to agent code, even in development
    env.put("PATH", BwrapLauncher.SANDBOX_PATH);
    env.put("HOME", workspace);
    env.put("WORKSPACE", workspace);
    env.put("LANG", "C.UTF-8");
    env.put("TERM", "dumb");
    return pb;
  }

  @Override
  public long[] counters() {
    return new long[2];
  }

  @Override
  public void kill(Process p) {
    // Children first, so none is re-parented away before we see it; setsid'ed daemons escape.
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  @Override
  public void close() {}

  @Override
  public String workspacePath() {
    return workspace;
  }
}
