package dev.agentry.server;

import dev.agentry.core.Deployment;
import dev.agentry.core.Session;
import dev.agentry.schedule.RunErrors;
import dev.agentry.schedule.SessionLauncher;
import java.util.Map;

/**
 * Makes a deployment run's session through {@link SessionRoutes#create(String, com.fasterxml
 * .jackson.databind.JsonNode)}, the path {@code POST /v1/sessions} takes, and turns the 4xx a
 * client would have got into the run error the SDKs know.
 */
final class DeploymentSessions implements SessionLauncher {
  /** The session create's error codes, as run error types. */
  private static final Map<String, String> RUN_ERRORS =
      Map.ofEntries(
          Map.entry("agent_archived", RunErrors.AGENT_ARCHIVED),
          // A deleted agent is gone for good, as an archived one is.
          Map.entry("agent_not_found", RunErrors.AGENT_ARCHIVED),
          Map.entry("environment_archived", RunErrors.ENVIRONMENT_ARCHIVED),
          Map.entry("environment_not_found", RunErrors.ENVIRONMENT_NOT_FOUND),
          Map.entry("vault_archived", RunErrors.VAULT_ARCHIVED),
          Map.entry("vault_not_found", RunErrors.VAULT_NOT_FOUND),
          Map.entry("file_not_found", RunErrors.FILE_NOT_FOUND),
          Map.entry("memory_store_archived", RunErrors.MEMORY_STORE_ARCHIVED),
          Map.entry("memory_store_not_found", RunErrors.SESSION_RESOURCE_NOT_FOUND));

  private final SessionRoutes sessions;

  DeploymentSessions(SessionRoutes sessions) {
    this.sessions = sessions;
  }

  @Override
  public Launch launch(Deployment deployment) {
    try {
      Session s = sessions.create(deployment.workspaceId(), deployment.template());
      return Launch.started(s.id(), s.agent().version());
    } catch (ApiError e) {
      return Launch.failed(runError(e), e.getMessage());
    }
  }

  static String runError(ApiError e) {
    if (e.status == 429) {
      return RunErrors.SESSION_RATE_LIMITED;
    }
    if (e.status >= 500) {
      return RunErrors.SERVICE_UNAVAILABLE;
    }
    String mapped = e.errorCode == null ? null : RUN_ERRORS.get(e.errorCode);
    return mapped != null ? mapped : RunErrors.SESSION_CREATION_REJECTED;
  }
}
