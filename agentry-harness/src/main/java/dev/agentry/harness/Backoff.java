package dev.agentry.harness;

import dev.agentry.core.Cancellation;
import dev.agentry.core.ModelException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Exponential backoff with jitter, so that many sessions hit by one outage do not retry at once,
 * and the wait itself.
 */
final class Backoff {
  private Backoff() {}

  /** The wait before retry {@code failure} (1-based); a server's retry-after wins. */
  static Duration delay(HarnessConfig config, int failure, ModelException cause) {
    if (cause.retryAfter().isPresent()) {
      return cause.retryAfter().get();
    }
    long base = config.backoffBase().toMillis();
    long max = config.backoffMax().toMillis();
    long exp = base << Math.min(failure - 1, 30);
    long capped = Math.min(max, exp < 0 ? max : exp);
    // Equal jitter: at least half the delay, so a retry never comes right back.
    long jittered = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    return Duration.ofMillis(jittered);
  }

  /** Waits out a backoff; an interrupt (or stop) cuts it short. */
  static void await(Duration delay, Cancellation c) {
    CompletableFuture<Void> cut = new CompletableFuture<>();
    c.onCancel(() -> cut.complete(null));
    try {
      cut.get(delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // the backoff elapsed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }
}
