package dev.agentry.sandbox;

import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxLimits;
import dev.agentry.core.SandboxProvider;
import java.nio.file.Path;

/**
 * A provider whose sandboxes reach the network only through the {@link EgressProxy}, under a
 * per-session {@link EgressPolicy}. The plain {@link #provision(String, Path, SandboxLimits)} means
 * {@link EgressPolicy#DENY_ALL}.
 */
public interface EgressSandboxProvider extends SandboxProvider {

  /** As {@link #provision(String, Path, SandboxLimits)}, with {@code policy} for its egress. */
  Sandbox provision(String sessionId, Path workspace, SandboxLimits limits, EgressPolicy policy);

  @Override
  default Sandbox provision(String sessionId, Path workspace, SandboxLimits limits) {
    return provision(sessionId, workspace, limits, EgressPolicy.DENY_ALL);
  }
}
