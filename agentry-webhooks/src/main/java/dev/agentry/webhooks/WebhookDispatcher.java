package dev.agentry.webhooks;

import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.SecretBox;
import dev.agentry.core.Timestamps;
import dev.agentry.core.WebhookDelivery;
import dev.agentry.core.WebhookEndpoint;
import dev.agentry.core.WebhookRepository;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the outbox, at least once. Every poll fans new outbox rows out to the endpoints that
 * want them, then claims the due deliveries (in the database, so that of several nodes only one
 * sends each) and sends each on its own thread. A claim hides the delivery for longer than one
 * attempt can take; a node that dies mid-send leaves it to be claimed again after that, with the
 * same event id and body. A failed attempt is retried with growing waits; the endpoint is disabled
 * after {@link WebhookEndpoint#MAX_CONSECUTIVE_FAILURES} failures in a row, or at once when its
 * host resolves to an internal address that is not allowed.
 *
 * <p>While no endpoint is enabled and the outbox is empty a poll has nothing to do, so the wait
 * between polls doubles, up to {@value #IDLE_STRETCH} poll intervals: an idle server then reads the
 * tables once in 4 s (at the default interval) instead of eight times a second. An endpoint made or
 * re-enabled through this node {@linkplain #wake wakes} it at once; one made on another node is
 * served by that node's dispatcher meanwhile, since any node fans out any outbox row.
 */
public final class WebhookDispatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);
  private static final int BATCH = 100;
  private static final int MAX_IN_FLIGHT = 64;

  /** The longest idle wait between polls, in poll intervals. */
  static final int IDLE_STRETCH = 16;

  private final WebhookRepository repo;
  private final SecretBox box;
  private final WebhookSettings settings;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService senders;
  private final WebhookSender sender;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Object ticking = new Object();
  private final AtomicBoolean woken = new AtomicBoolean();
  private ScheduledFuture<?> next; // guarded by this
  private boolean started; // guarded by this
  private volatile long waitMillis;
  private volatile boolean closed;

  private WebhookDispatcher(
      WebhookRepository repo,
      SecretBox box,
      WebhookSettings settings,
      Clock clock,
      ScheduledExecutorService scheduler,
      ExecutorService senders) {
    this.repo = repo;
    this.box = box;
    this.settings = settings;
    this.clock = clock;
    this.scheduler = scheduler;
    this.senders = senders;
    this.sender = new WebhookSender(settings.timeout());
    this.waitMillis = settings.pollEvery().toMillis();
  }

  /**
   * A dispatcher that polls on {@code scheduler} and sends on {@code senders}; call {@link #start}
   * to begin. Neither executor is shut down by {@link #close}.
   */
  public static WebhookDispatcher create(
      WebhookRepository repo,
      SecretBox box,
      WebhookSettings settings,
      Clock clock,
      ScheduledExecutorService scheduler,
      ExecutorService senders) {
    return new WebhookDispatcher(repo, box, settings, clock, scheduler, senders);
  }

  public WebhookSettings settings() {
    return settings;
  }

  public synchronized WebhookDispatcher start() {
    started = true;
    schedule(0);
    return this;
  }

  /**
   * Polls now and at the normal interval after: an endpoint was made or re-enabled, so an idle
   * dispatcher's stretched wait must not delay its first deliveries.
   */
  public synchronized void wake() {
    if (!started) {
      return; // start polls at once anyway
    }
    woken.set(true);
    schedule(0);
  }

  /** The wait before the next poll; for tests. */
  long waitMillis() {
    return waitMillis;
  }

  private synchronized void schedule(long millis) {
    if (closed) {
      return;
    }
    if (next != null) {
      next.cancel(false);
    }
    next = scheduler.schedule(this::tick, millis, TimeUnit.MILLISECONDS);
  }

  private void tick() {
    synchronized (ticking) { // a wake's poll and a scheduled one never overlap
      if (closed) {
        return;
      }
      woken.set(false);
      long every = settings.pollEvery().toMillis();
      boolean idle = pollQuietly();
      waitMillis = idle ? Math.min(waitMillis * 2, every * IDLE_STRETCH) : every;
      synchronized (this) {
        // A wake during this poll may have seen no endpoint yet: poll again at once.
        schedule(woken.get() ? 0 : waitMillis);
      }
    }
  }

  /** What a test delivery came to. */
  public record TestResult(String eventId, boolean success, Integer statusCode, String error) {}

  /**
   * Sends one signed {@code webhook.test} event to {@code endpoint} now, whether or not it is
   * enabled, without a retry and without counting toward its failures.
   */
  public TestResult sendTest(WebhookEndpoint endpoint) {
    String eventId = Ids.next(IdKind.WEBHOOK_EVENT);
    Instant now = Timestamps.truncate(clock.instant());
    String payload = WebhookPayloads.test(eventId, endpoint.id(), endpoint.workspaceId(), now);
    URI url = WebhookTargets.parse(endpoint.url());
    try {
      WebhookTargets.check(url, settings.allowPrivate());
    } catch (IllegalArgumentException e) {
      return new TestResult(eventId, false, null, e.getMessage());
    }
    Optional<String> secret = secret(endpoint.id());
    if (secret.isEmpty()) {
      return new TestResult(eventId, false, null, "the endpoint has no signing secret");
    }
    WebhookSender.Outcome outcome =
        sender.send(url, secret.get(), eventId, now.getEpochSecond(), payload);
    return new TestResult(eventId, outcome.success(), outcome.status(), outcome.error());
  }

  /** One poll: fan out, claim, send. Public for tests that drive it step by step. */
  public void poll() {
    Instant now = clock.instant();
    while (repo.fanOut(BATCH, now, WebhookPayloads::render) == BATCH) {
      // a full batch: there may be more
    }
    int room = MAX_IN_FLIGHT - inFlight.get();
    if (room <= 0) {
      return;
    }
    List<WebhookDelivery> due = repo.claim(Math.min(room, BATCH), now, settings.hold());
    for (WebhookDelivery d : due) {
      inFlight.incrementAndGet();
      senders.execute(
          () -> {
            try {
              deliver(d);
            } catch (RuntimeException e) {
              // The claim's hold runs out and the delivery is claimed again.
              LOG.warn(
                  "webhook delivery {} to {} failed to settle", d.eventId(), d.endpointId(), e);
            } finally {
              inFlight.decrementAndGet();
            }
          });
    }
  }

  /** Polls unless there is nothing to deliver; true when there was nothing. */
  private boolean pollQuietly() {
    try {
      if (!repo.anythingToDeliver()) {
        return true;
      }
      poll();
    } catch (RuntimeException e) {
      LOG.warn("webhook poll failed; trying again at the next one", e);
    }
    return false;
  }

  private void deliver(WebhookDelivery d) {
    Optional<WebhookEndpoint> found = repo.find(d.endpointId());
    if (found.isEmpty() || !found.get().enabled()) {
      return; // deleted (its deliveries went with it) or disabled (they wait for re-enabling)
    }
    WebhookEndpoint endpoint = found.get();
    URI url;
    try {
      url = WebhookTargets.parse(endpoint.url());
      WebhookTargets.check(url, settings.allowPrivate());
    } catch (WebhookTargets.PrivateAddress e) {
      LOG.warn("webhook endpoint {} resolves to an internal address: disabled", endpoint.id());
      repo.disable(endpoint.id(), "private_address", Timestamps.truncate(clock.instant()));
      return;
    } catch (IllegalArgumentException e) {
      settle(d, WebhookSender.Outcome.error(e.getMessage()));
      return;
    }
    Optional<String> secret = secret(endpoint.id());
    if (secret.isEmpty()) {
      return;
    }
    long timestamp = clock.instant().getEpochSecond();
    settle(d, sender.send(url, secret.get(), d.eventId(), timestamp, d.payload()));
  }

  private void settle(WebhookDelivery d, WebhookSender.Outcome outcome) {
    if (outcome.success()) {
      repo.succeeded(d);
      return;
    }
    Instant now = Timestamps.truncate(clock.instant());
    Instant retryAt =
        d.attempts() >= settings.maxAttempts() ? null : now.plus(settings.backoff(d.attempts()));
    if (retryAt == null) {
      LOG.warn(
          "webhook event {} to {} dropped after {} attempts: {}",
          d.eventId(),
          d.endpointId(),
          d.attempts(),
          outcome.error());
    }
    repo.failed(d, outcome.error(), retryAt, now)
        .filter(e -> !e.enabled())
        .ifPresent(
            e ->
                LOG.warn(
                    "webhook endpoint {} disabled after {} consecutive failures",
                    e.id(),
                    e.consecutiveFailures()));
  }

  private Optional<String> secret(String endpointId) {
    return repo.sealedSecret(endpointId).map(ciphertext -> box.open(ciphertext, endpointId));
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (next != null) {
      next.cancel(false);
    }
  }
}
