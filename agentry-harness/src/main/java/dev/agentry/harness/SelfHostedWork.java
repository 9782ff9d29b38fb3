package dev.agentry.harness;

import dev.agentry.core.EnvironmentConfig;
import dev.agentry.core.Session;
import dev.agentry.core.Store;
import java.time.Clock;

/**
 * Whether a session's built-in calls are its self-hosted worker's (docs/decisions/0038), read once
 * per run and shared by the run's threads, and the offer of its work to that worker (moved out of
 * {@link Runner}).
 */
final class SelfHostedWork {
  private final Store store;
  private final String sessionId;
  private final Clock clock;

  /** Whether the session's environment is self-hosted; null until read (its type cannot change). */
  private volatile Boolean hosted;

  SelfHostedWork(Store store, String sessionId, Clock clock) {
    this.store = store;
    this.sessionId = sessionId;
    this.clock = clock;
  }

  /**
   * Whether the session's worker runs its built-in calls; read from {@code record} the first time.
   */
  boolean hosted(Session record) {
    if (hosted == null && record != null) {
      hosted =
          store
              .environments()
              .find(record.environmentId())
              .map(e -> e.config() instanceof EnvironmentConfig.SelfHosted)
              .orElse(false);
    }
    return hosted();
  }

  /** As last read; false until then. */
  boolean hosted() {
    return Boolean.TRUE.equals(hosted);
  }

  /**
   * The session's calls wait on a worker: its work item is queued (unless it has an open one)
   * before the session says so, so that a run that dies between the two offers it again.
   */
  void offer(Session session) {
    String workspace = store.sessions().workspaceOf(sessionId).orElse(null);
    if (workspace != null && session != null) {
      store.work().offer(workspace, session.environmentId(), sessionId, clock.instant());
    }
  }
}
