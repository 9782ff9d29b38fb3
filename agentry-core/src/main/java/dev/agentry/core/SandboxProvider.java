package dev.agentry.core;

import java.nio.file.Path;

/** Makes sandboxes. Implementations probe the machine once and report what they can enforce. */
public interface SandboxProvider {

  /**
   * Starts a sandbox over {@code workspace} for {@code sessionId}.
   *
   * @throws SandboxException if it cannot start (e.g. bubblewrap is missing: the message says what
   *     to install)
   */
  Sandbox provision(String sessionId, Path workspace, SandboxLimits limits);

  /** A short description of the isolation and of each limit's mechanism, for logs and /readyz. */
  java.util.Map<String, String> enforcement();
}
