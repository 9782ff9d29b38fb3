package dev.agentry.server;

import dev.agentry.core.Store;
import dev.agentry.core.WorkItem;
import dev.agentry.harness.Harness;
import java.time.Instant;

/**
 * Items whose holder stopped heartbeating (docs/decisions/0038): each is stopped as lapsed, so its
 * token dies and a late heartbeat is a 412, and the session is offered again while calls wait on a
 * worker. The calls a claimed item's worker was handed and never answered are not run blindly by
 * the next worker: a side-effecting one is answered with an unknown outcome, as the harness does
 * for a call a dead run left ({@link Harness#workerLost}); a read-only one waits again. Swept
 * lazily, before each poll and stats of the environment: a lapse only matters to a poller.
 */
final class WorkLapses {
  private final Store store;
  private final Harness harness;

  WorkLapses(Store store, Harness harness) {
    this.store = store;
    this.harness = harness;
  }

  /**
   * A {@code user.interrupt} of a session whose worker failed it (its newest item lapsed, now or
   * before) queues the session again, as the hosted service re-queues a failed item: the next
   * worker attaches, whatever the interrupt answered.
   */
  void requeueFailed(String sessionId, Instant now) {
    var latest = store.work().latestOf(sessionId);
    if (latest.isEmpty()) {
      return; // not a self-hosted session, or never handed to a worker
    }
    WorkItem item = latest.get();
    boolean lapsedNow =
        !item.stopped()
            && item.leaseExpiresAt() != null
            && !item.leaseExpiresAt().isAfter(now)
            && store.work().markLapsed(item.id(), now);
    if (lapsedNow || (item.stopped() && item.lapsed())) {
      store.work().offer(item.workspaceId(), item.environmentId(), sessionId, now);
    }
  }

  void sweep(String environmentId, Instant now) {
    for (WorkItem item : store.work().lapsed(environmentId, now)) {
      if (!store.work().markLapsed(item.id(), now)) {
        continue; // another node swept it, or its worker heartbeated meanwhile
      }
      // An item never claimed had no worker serving it: its calls were handed to no one.
      boolean waiting =
          item.startedAt() == null
              ? harness.awaitsWorker(item.sessionId())
              : harness.workerLost(item.sessionId());
      if (waiting && !archived(store, item.sessionId())) {
        store.work().offer(item.workspaceId(), environmentId, item.sessionId(), now);
      }
    }
  }

  /**
   * An archived session is read-only: a worker's results would be refused, so its calls are offered
   * to no worker again (each would run them, and fail to post, once more).
   */
  static boolean archived(dev.agentry.core.Store store, String sessionId) {
    return store.sessions().find(sessionId).map(s -> s.archivedAt() != null).orElse(true);
  }
}
