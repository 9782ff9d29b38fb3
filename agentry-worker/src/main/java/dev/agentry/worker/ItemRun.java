package dev.agentry.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolOutcome;
import java.time.Clock;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One claimed work item, served to its end: claim it by its first heartbeat, read the session, run
 * each built-in call the session waits on in the session's sandbox and post its {@code
 * user.tool_result}, keep the lease while doing so, and stop the item (force) once nothing waits on
 * this worker — unless the lease was lost, when another worker may hold the item by now.
 *
 * <p>The session is followed the SDK's way: open the stream, then list the history, fold both by
 * event id; a broken stream, or a long silence, is a reconnect and a fresh list. Calls run in
 * {@link CallLanes}: one at a time per session thread, each thread in its own shell of the
 * session's one sandbox, and up to {@code maxConcurrentCalls} threads' calls at once (ADR 0047).
 */
final class ItemRun {
  private static final Logger log = LoggerFactory.getLogger(ItemRun.class);
  private static final long WAIT_SLICE_MS = 200;
  private static final int STOP_ATTEMPTS = 5;

  /** How the worker paces a session it follows; tests shorten them. */
  record Pacing(long resyncAfterSilenceMs, long reconnectStartMs, long reconnectCapMs) {
    static final Pacing DEFAULT = new Pacing(30_000, 500, 10_000);
  }

  private final WorkApi api;
  private final String workId;
  private final JsonNode data;
  private final String credential;
  private final ToolExecutor tools;
  private final Clock clock;
  private final BooleanSupplier draining;
  private final Pacing pacing;
  private final int maxConcurrentCalls;
  private volatile CallLanes lanes; // the session's, once serveSession knows it; read by the lease
  private final Lease lease;
  private final Set<String> handled = new HashSet<>();

  /** The worker's memory and skill mounts; null for a worker without sandboxes (tests). */
  private final Mounts mounts;

  private ItemMounts itemMounts;

  ItemRun(
      WorkApi api,
      JsonNode work,
      String environmentKey,
      ToolExecutor tools,
      ScheduledExecutorService scheduler,
      Clock clock,
      BooleanSupplier draining,
      Pacing pacing,
      int leaseSeconds,
      int maxConcurrentCalls,
      Mounts mounts) {
    this.api = api;
    this.mounts = mounts;
    this.workId = work.path("id").asText();
    this.data = work.path("data");
    this.credential = WorkSecret.sessionsToken(work.path("secret")).orElse(environmentKey);
    this.tools = tools;
    this.clock = clock;
    this.draining = draining;
    this.pacing = pacing;
    this.maxConcurrentCalls = maxConcurrentCalls;
    this.lease =
        new Lease(
            api, credential, workId, scheduler, clock, leaseSeconds, this::cancelRunningCalls);
  }

  /** Serves the item; never throws (a failed item is logged, and stopped if still ours). */
  void serve() {
    try {
      lease.claim();
    } catch (ApiError e) {
      log.warn("could not claim work item {}: {}", workId, e.getMessage());
      return;
    }
    try {
      if (!"session".equals(data.path("type").asText())) {
        log.info("work item {} is a {}, not a session: nothing to run", workId, data.path("type"));
      } else {
        serveSession(data.path("id").asText());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.error("work item {} failed", workId, e);
    } finally {
      lease.close();
      if (lease.lost()) {
        log.info("lease of {} lost; not stopping the work item", workId);
      } else {
        stopItem();
      }
    }
  }

  Lease lease() {
    return lease;
  }

  private boolean stopping() {
    return lease.lost() || lease.shutdown() || draining.getAsBoolean();
  }

  private void serveSession(String sessionId) throws InterruptedException {
    JsonNode session = readSession(sessionId);
    if (ended(session)) {
      log.info("session {} of work item {} has ended; nothing to run", sessionId, workId);
    } else if (mounts == null) {
      followSession(sessionId);
    } else {
      try (ItemMounts m = mounts.open(api, credential, workId, session)) {
        itemMounts = m;
        followSession(sessionId);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("mounting the session's stores and skills", e);
      } finally {
        itemMounts = null;
      }
    }
    if (mounts != null && !lease.lost() && ended(sessionId)) {
      mounts.sessionEnded(sessionId);
    }
  }

  /** Whether the session terminated, was archived or is gone: its workspace is not needed. */
  private boolean ended(String sessionId) {
    try {
      return ended(api.session(credential, sessionId));
    } catch (ApiError e) {
      return e.status() == 404;
    }
  }

  /** Terminated, which for the SDK includes archived (an archived session takes no results). */
  private static boolean ended(JsonNode session) {
    return "terminated".equals(session.path("status").asText())
        || session.path("archived_at").isTextual();
  }

  private void followSession(String sessionId) throws InterruptedException {
    lanes = new CallLanes(tools, sessionId, maxConcurrentCalls);
    long delay = pacing.reconnectStartMs();
    while (!stopping()) {
      try (EventStream stream = api.stream(credential, sessionId)) {
        // The status first: a session running when read may have made a call by the listing.
        SessionView view =
            new SessionView(api.session(credential, sessionId).path("status").asText());
        api.events(credential, sessionId).forEach(view::apply);
        delay = pacing.reconnectStartMs();
        if (follow(sessionId, view, stream)) {
          return;
        }
      } catch (EventStream.Closed | ApiError e) {
        if (e instanceof ApiError a && a.fatal()) {
          throw a;
        }
        log.info("reading session {} failed, reconnecting: {}", sessionId, e.getMessage());
        TimeUnit.MILLISECONDS.sleep(delay);
        delay = Math.min(delay * 2, pacing.reconnectCapMs());
      }
    }
  }

  /** The session, read again after transient failures while the lease lasts (as the SDK). */
  private JsonNode readSession(String sessionId) throws InterruptedException {
    long delay = 1_000;
    while (true) {
      try {
        return api.session(credential, sessionId);
      } catch (ApiError e) {
        if (e.fatal() || stopping()) {
          throw e;
        }
        log.info("reading session {} failed, retrying: {}", sessionId, e.getMessage());
        TimeUnit.MILLISECONDS.sleep(delay);
        delay = Math.min(delay * 2, 8_000);
      }
    }
  }

  /**
   * Runs what the session waits on as it shows up, each call in its thread's lane; true when the
   * worker is done with the item, false to reconnect after a silence. Calls already running when
   * the worker stops, or the stream breaks, finish and post first.
   */
  private boolean follow(String sessionId, SessionView view, EventStream stream)
      throws InterruptedException {
    long lastEvent = clock.millis();
    EventStream.Closed broken = null;
    while (true) {
      if (broken == null && !stopping()) {
        for (SessionView.Call call : view.runnable(handled)) {
          if (lanes.canStart(call)) {
            handled.add(call.id());
            log.info("running {} ({}) of session {}", call.name(), call.id(), sessionId);
            lanes.start(call);
          }
        }
      }
      for (CallLanes.Running done : lanes.finished()) {
        finish(sessionId, done, view);
        lastEvent = clock.millis();
        if (itemMounts != null) {
          itemMounts.afterCall();
        }
      }
      if (lanes.idle()) {
        if (broken != null) {
          throw broken;
        }
        if (stopping() || view.done(handled)) {
          return true;
        }
      }
      if (broken == null) {
        try {
          Optional<JsonNode> event = stream.next(WAIT_SLICE_MS);
          if (event.isPresent()) {
            view.apply(event.get());
            lastEvent = clock.millis();
            if (itemMounts != null
                && "session.status_idle".equals(event.get().path("type").asText())
                && !view.done(handled)) {
              itemMounts.sync(); // idle, waiting on a confirmation: the turn's writes go now
            }
          } else if (lanes.idle() && clock.millis() - lastEvent > pacing.resyncAfterSilenceMs()) {
            return false;
          }
        } catch (EventStream.Closed e) {
          broken = e;
        }
      } else {
        lanes.awaitAny(WAIT_SLICE_MS);
      }
      // An interrupt answers a call for us; a lost lease means its result would be refused.
      lanes.cancelIf(call -> view.resolved(call.id()) || view.ended() || lease.lost());
    }
  }

  /** Posts a finished call's result, unless it is moot by now. */
  private void finish(String sessionId, CallLanes.Running done, SessionView view)
      throws InterruptedException {
    SessionView.Call call = done.call();
    ToolOutcome result = done.outcome().join();
    if (lease.lost()) {
      log.warn("lease of {} lost during {}; its result is not posted", workId, call.id());
    } else if (view.resolved(call.id()) || view.ended()) {
      log.info("{} was answered or ended meanwhile; its result is not posted", call.id());
    } else {
      post(sessionId, call, result);
      view.posted(call.id());
    }
  }

  /** Posts the result, retrying what may pass later for as long as the lease lasts. */
  private void post(String sessionId, SessionView.Call call, ToolOutcome result)
      throws InterruptedException {
    ObjectNode event = WorkApi.JSON.createObjectNode();
    event.put("type", "user.tool_result").put("tool_use_id", call.id());
    String text = result.text() == null || result.text().isEmpty() ? "(no output)" : result.text();
    event.putArray("content").addObject().put("type", "text").put("text", text);
    event.put("is_error", result.isError());
    long giveUpAt = clock.millis() + lease.ttl().toMillis();
    long delay = 500;
    while (true) {
      try {
        api.send(credential, sessionId, event);
        return;
      } catch (ApiError e) {
        if (e.fatal() || lease.lost() || clock.millis() + delay > giveUpAt) {
          log.warn("the result of {} was not accepted: {}", call.id(), e.getMessage());
          return;
        }
        TimeUnit.MILLISECONDS.sleep(delay);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  private void cancelRunningCalls() {
    CallLanes l = lanes;
    if (l != null) {
      l.cancelAll();
    }
  }

  /** Force-stops the item, retried a few times; a 409 means it is stopped already. */
  private void stopItem() {
    for (int attempt = 1; attempt <= STOP_ATTEMPTS; attempt++) {
      try {
        api.stop(credential, workId, true);
        log.info("stopped work item {}", workId);
        return;
      } catch (ApiError e) {
        if (e.status() == 409) {
          return;
        }
        if (e.fatal() || attempt == STOP_ATTEMPTS) {
          log.warn("stopping work item {} failed: {}", workId, e.getMessage());
          return;
        }
        try {
          TimeUnit.MILLISECONDS.sleep(1_000L << attempt);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
