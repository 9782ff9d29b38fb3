package dev.agentry.sandbox;

import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxLimits;
import dev.agentry.core.SandboxMount;
import dev.agentry.core.SandboxProvider;
import java.nio.file.Path;
import java.util.List;

/**
 * A provider whose sandboxes reach the network only through the {@link EgressProxy}, under a
 * per-session {@link EgressPolicy}. The plain {@link #provision(String, Path, SandboxLimits)} means
 * {@link EgressPolicy#DENY_ALL}.
 */
public interface EgressSandboxProvider extends SandboxProvider {

  /** As {@link #provision(String, Path, SandboxLimits)}, with {@code policy} for its egress. */
  default Sandbox provision(
      String sessionId, Path workspace, SandboxLimits limits, EgressPolicy policy) {
    return provision(sessionId, workspace, limits, policy, List.of());
  }

  /** As above, with {@code mounts} bound besides the workspace. */
  Sandbox provision(
      String sessionId,
      Path workspace,
      SandboxLimits limits,
      EgressPolicy policy,
      List<SandboxMount> mounts);

  @Override
  default Sandbox provision(
      String sessionId, Path workspace, SandboxLimits limits, List<SandboxMount> mounts) {
    return provision(sessionId, workspace, limits, EgressPolicy.DENY_ALL, mounts);
  }

  @Override
  default Sandbox provision(String sessionId, Path workspace, SandboxLimits limits) {
    return provision(sessionId, workspace, limits, EgressPolicy.DENY_ALL);
  }
}
