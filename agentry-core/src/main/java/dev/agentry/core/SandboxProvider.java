package dev.agentry.core;

import java.nio.file.Path;
import java.util.List;

/** Makes sandboxes. Implementations probe the machine once and report what they can enforce. */
public interface SandboxProvider {

  /**
   * Starts a sandbox over {@code workspace} for {@code sessionId}.
   *
   * @throws SandboxException if it cannot start (e.g. bubblewrap is missing: the message says what
   *     to install)
   */
  Sandbox provision(String sessionId, Path workspace, SandboxLimits limits);

  /**
   * As {@link #provision(String, Path, SandboxLimits)}, with {@code mounts} (session resources, the
   * outputs directory) bound at their targets besides the workspace. A provider without mount
   * namespaces refuses any mount rather than ignore it.
   *
   * @throws SandboxException if it cannot start or cannot honour a mount
   */
  default Sandbox provision(
      String sessionId, Path workspace, SandboxLimits limits, List<SandboxMount> mounts) {
    if (!mounts.isEmpty()) {
      throw new SandboxException(
          getClass().getSimpleName() + " sandboxes cannot mount " + mounts.getFirst().target());
    }
    return provision(sessionId, workspace, limits);
  }

  /** A short description of the isolation and of each limit's mechanism, for logs and /readyz. */
  java.util.Map<String, String> enforcement();
}
