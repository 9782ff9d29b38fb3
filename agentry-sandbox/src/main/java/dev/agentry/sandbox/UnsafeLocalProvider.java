package dev.agentry.sandbox;

import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxLimits;
import dev.agentry.core.SandboxMount;
import dev.agentry.core.SandboxProvider;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs agent code as the server's own user, unconfined. For development machines only. */
final class UnsafeLocalProvider implements SandboxProvider {
  private static final Logger log = LoggerFactory.getLogger(UnsafeLocalProvider.class);

  UnsafeLocalProvider() {
    log.warn(
        "AGENTRY_SANDBOX=unsafe-local: agent code runs UNSANDBOXED as the server's user and can"
            + " read and change anything that user can. Development only.");
  }

  @Override
  public Sandbox provision(String sessionId, Path workspace, SandboxLimits limits) {
    Path ws = BubblewrapProvider.realDirectory(workspace);
    LocalLauncher launcher =
        new LocalLauncher(
            ws.toString(),
            BwrapHost.which("prlimit"),
            limits.maxFileBytes(),
            Math.max(1, limits.maxTimeout().toSeconds()));
    return new ProcessSandbox("local-" + sessionId, launcher, limits, ws).start();
  }

  /**
   * Without a mount namespace there is nowhere to put {@code mounts}: the sandbox starts without
   * them and says so in the log (development only, like everything here).
   */
  @Override
  public Sandbox provision(
      String sessionId, Path workspace, SandboxLimits limits, List<SandboxMount> mounts) {
    if (!mounts.isEmpty()) {
      log.warn(
          "unsafe-local: session {} gets none of its {} mounts ({} ...); use bubblewrap for"
              + " session resources and /mnt/session/outputs",
          sessionId,
          mounts.size(),
          mounts.getFirst().target());
    }
    return provision(sessionId, workspace, limits);
  }

  @Override
  public Map<String, String> enforcement() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("isolation", "NONE (unsafe-local: cwd only, file tools confined by realpath checks)");
    m.put("memory", "none");
    m.put("processes", "none");
    m.put("cpu", BwrapHost.which("prlimit") != null ? "RLIMIT_CPU" : "none");
    m.put("file_size", BwrapHost.which("prlimit") != null ? "RLIMIT_FSIZE" : "none");
    m.put("timeout", "wall clock, process tree killed");
    m.put("output", "capped, rest read and discarded");
    m.put("disk", "workspace usage checked after each call");
    m.put("network", "host network");
    m.put("mounts", "none (session resources and /mnt/session are not mounted)");
    return m;
  }
}
