package dev.agentry.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.SandboxLimits;
import dev.agentry.core.SandboxProvider;
import dev.agentry.core.ToolExecutor;
import dev.agentry.sandbox.BuiltInTools;
import dev.agentry.sandbox.EgressPolicy;
import dev.agentry.sandbox.SandboxManager;
import dev.agentry.sandbox.Workspaces;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A self-hosted environment's worker: polls the environment's work queue with its key, serves up to
 * {@code maxSessions} items at once (each on its own virtual thread, see {@link ItemRun}), and on
 * {@link #drain()} stops polling, lets the running calls finish and post, stops its items and
 * returns from {@link #run()}.
 *
 * <p>Pacing is the SDK's: an empty poll waits 1–3 s, a failed one backs off 1 s, 2 s, 4 s … up to
 * 60 s; a refused key (401/403) ends {@link #run()} with {@link WorkerException.KeyRefused}, and
 * another permanent 4xx with a {@link WorkerException}.
 */
public final class Worker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);
  static final int BLOCK_MS = 999;

  /**
   * What a worker needs to know.
   *
   * @param url the Agentry server, e.g. {@code https://agentry.example.com}
   * @param environmentId the {@code self_hosted} environment whose queue it polls
   * @param key the environment key ({@code agentry environments key ENV_ID})
   * @param maxSessions how many work items (sessions) it serves at once
   * @param workerId its {@code Anthropic-Worker-ID}
   * @param leaseSeconds the lease it asks for ({@code desired_ttl_seconds}); 0 for the server's
   *     default (5 min). A shorter lease re-offers a dead worker's item sooner, for more
   *     heartbeats.
   * @param maxConcurrentCalls how many calls of one session it runs at once, each of a different
   *     session thread (a thread's calls always run one at a time, in order); the SDK's {@code
   *     maxConcurrentCalls}, default 1
   */
  public record Options(
      URI url,
      String environmentId,
      String key,
      int maxSessions,
      String workerId,
      int leaseSeconds,
      int maxConcurrentCalls) {
    public Options {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(environmentId, "environmentId");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(workerId, "workerId");
      if (maxSessions < 1) {
        throw new IllegalArgumentException("maxSessions must be at least 1, got " + maxSessions);
      }
      if (leaseSeconds < 0) {
        throw new IllegalArgumentException("leaseSeconds must be 0 or more, got " + leaseSeconds);
      }
      if (maxConcurrentCalls < 1) {
        throw new IllegalArgumentException(
            "maxConcurrentCalls must be at least 1, got " + maxConcurrentCalls);
      }
    }

    /** Options that run one call of a session at a time. */
    public Options(
        URI url,
        String environmentId,
        String key,
        int maxSessions,
        String workerId,
        int leaseSeconds) {
      this(url, environmentId, key, maxSessions, workerId, leaseSeconds, 1);
    }

    /** Options that leave the lease's length to the server. */
    public Options(URI url, String environmentId, String key, int maxSessions, String workerId) {
      this(url, environmentId, key, maxSessions, workerId, 0);
    }

    /** The SDK's default worker id: {@code $HOSTNAME-<uuid>}, unique when workers share a host. */
    public static String defaultWorkerId() {
      String host = System.getenv("HOSTNAME");
      return host == null || host.isBlank()
          ? UUID.randomUUID().toString()
          : host + "-" + UUID.randomUUID();
    }
  }

  private final Options options;
  private final WorkApi api;
  private final ToolExecutor tools;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final ItemRun.Pacing pacing;
  private final AutoCloseable hands;
  private final Mounts mounts;
  private final CountDownLatch drainRequested = new CountDownLatch(1);
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile boolean draining;

  Worker(
      Options options,
      ToolExecutor tools,
      ScheduledExecutorService scheduler,
      Clock clock,
      ItemRun.Pacing pacing,
      AutoCloseable hands) {
    this(options, tools, scheduler, clock, pacing, hands, null);
  }

  /** As above, with the memory and skill mounts of a worker with sandboxes; null: none. */
  Worker(
      Options options,
      ToolExecutor tools,
      ScheduledExecutorService scheduler,
      Clock clock,
      ItemRun.Pacing pacing,
      AutoCloseable hands,
      Mounts mounts) {
    this.mounts = mounts;
    this.options = options;
    this.api =
        new WorkApi(
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(),
            options.url(),
            options.environmentId());
    this.tools = tools;
    this.scheduler = scheduler;
    this.clock = clock;
    this.pacing = pacing;
    this.hands = hands;
  }

  /**
   * A worker whose built-in tools run in {@code provider}'s sandboxes under {@code limits}, one
   * sandbox per session over a workspace in {@code workdir}: the server's sandbox, limits and
   * tools.
   */
  public static Worker create(
      Options options, Path workdir, SandboxProvider provider, SandboxLimits limits) {
    ScheduledExecutorService scheduler =
        Executors.newScheduledThreadPool(
            1, Thread.ofPlatform().name("agentry-worker-timer").daemon().factory());
    Clock clock = Clock.systemUTC();
    Mounts mounts = new Mounts(workdir, clock, Mounts.Pacing.DEFAULT);
    SandboxManager sandboxes =
        SandboxManager.create(
            provider,
            Workspaces.under(workdir),
            limits,
            clock,
            scheduler,
            id -> EgressPolicy.DENY_ALL,
            mounts::of);
    mounts.attach(sandboxes);
    return new Worker(
        options,
        BuiltInTools.create(sandboxes, limits),
        scheduler,
        clock,
        ItemRun.Pacing.DEFAULT,
        sandboxes,
        mounts);
  }

  /**
   * Polls and serves until {@link #drain()}; returns once every item it held is finished and
   * stopped.
   *
   * @throws WorkerException.KeyRefused if the server refuses the key
   * @throws WorkerException if polling fails permanently (e.g. the environment does not exist)
   */
  public void run() throws InterruptedException {
    Semaphore slots = new Semaphore(options.maxSessions());
    int failures = 0;
    removeStaleItems();
    log.info(
        "worker {} polling environment {} at {} (up to {} sessions, {} calls each)",
        options.workerId(),
        options.environmentId(),
        options.url(),
        options.maxSessions(),
        options.maxConcurrentCalls());
    try (ExecutorService items = Executors.newVirtualThreadPerTaskExecutor()) {
      try {
        while (!draining) {
          if (!slots.tryAcquire(250, TimeUnit.MILLISECONDS)) {
            continue;
          }
          Optional<JsonNode> work;
          try {
            work = api.poll(options.key(), options.workerId(), BLOCK_MS);
            if (work.isPresent() && !draining) {
              api.ack(options.key(), work.get().path("id").asText());
            }
            failures = 0;
          } catch (ApiError e) {
            slots.release();
            refuseIfFatal(e);
            long backoff = Math.min(1_000L << Math.min(failures++, 6), 60_000);
            long delay = backoff + ThreadLocalRandom.current().nextLong(1_000);
            log.warn("polling failed, retrying in {} ms: {}", delay, e.getMessage());
            pause(delay);
            continue;
          }
          if (work.isEmpty() || draining) {
            slots.release();
            pause(ThreadLocalRandom.current().nextLong(1_000, 3_001));
            continue;
          }
          JsonNode item = work.get();
          log.info("claimed work item {} for {}", item.path("id").asText(), item.path("data"));
          items.execute(
              () -> {
                try {
                  new ItemRun(
                          api,
                          item,
                          options.key(),
                          tools,
                          scheduler,
                          clock,
                          () -> draining,
                          pacing,
                          options.leaseSeconds(),
                          options.maxConcurrentCalls(),
                          mounts)
                      .serve();
                } finally {
                  slots.release();
                }
              });
        }
      } finally {
        // Closing the executor waits for the items: a drain lets their running calls finish.
        draining = true;
        drainRequested.countDown();
      }
    } finally {
      log.info("worker {} stopped", options.workerId());
      finished.countDown();
    }
  }

  /** A killed worker's item folders (memory copies, skills) are removed before polling. */
  private void removeStaleItems() {
    if (mounts == null) {
      return;
    }
    try {
      mounts.removeStale();
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      log.warn("stale item folders could not be removed: {}", e.toString());
    }
  }

  private void refuseIfFatal(ApiError e) {
    if (e.refusedCredential()) {
      throw new WorkerException.KeyRefused(
          "the server refused the environment key for "
              + options.environmentId()
              + " ("
              + e.getMessage()
              + "); check --key and --environment, or make a new key with `agentry environments"
              + " key "
              + options.environmentId()
              + "`");
    }
    if (e.fatal()) {
      throw new WorkerException(
          "polling " + options.environmentId() + " failed permanently: " + e.getMessage());
    }
  }

  private void pause(long millis) throws InterruptedException {
    drainRequested.await(millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Stops polling; the items being served finish their running call, post its result and are
   * stopped, and then {@link #run()} returns. Does not wait.
   */
  public void drain() {
    draining = true;
    drainRequested.countDown();
  }

  /** Waits up to {@code timeout} for {@link #run()} to return; true if it did. */
  public boolean awaitFinished(Duration timeout) throws InterruptedException {
    return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Closes the sandboxes and the timer; call after {@link #run()} returned. */
  @Override
  public void close() {
    try {
      hands.close();
    } catch (Exception e) {
      log.warn("closing the worker's sandboxes failed", e);
    }
    scheduler.shutdownNow();
  }
}
