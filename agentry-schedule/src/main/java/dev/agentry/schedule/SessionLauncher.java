package dev.agentry.schedule;

import dev.agentry.core.Deployment;
import dev.agentry.core.DeploymentRun;

/**
 * Makes one run's session from a deployment's template, the way {@code POST /v1/sessions} makes
 * one. The server supplies it; a failure comes back as a typed run error, not as an exception.
 */
@FunctionalInterface
public interface SessionLauncher {
  Launch launch(Deployment deployment);

  /**
   * Either {@code sessionId} or {@code error} is set.
   *
   * @param agentVersion the agent version the session runs (or would have run), if resolved
   */
  record Launch(String sessionId, Integer agentVersion, DeploymentRun.RunError error) {
    public static Launch started(String sessionId, int agentVersion) {
      return new Launch(sessionId, agentVersion, null);
    }

    public static Launch failed(String type, String message) {
      return new Launch(null, null, new DeploymentRun.RunError(type, message));
    }
  }
}
