package dev.agentry.model;

import dev.agentry.core.Cancellation;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelStreamListener;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * Runs a blocking model call on a virtual thread so that a {@link Cancellation} returns control to
 * the caller at once, whatever the I/O is doing: on cancel the caller gets {@link
 * ModelException.Cancelled}, {@code abort} closes the stream, and the worker is interrupted.
 */
final class Calls {
  private Calls() {}

  static <T> T run(
      Cancellation cancellation,
      Callable<T> work,
      Runnable abort,
      Function<Throwable, ModelException> mapError) {
    if (cancellation.isCancelled()) {
      throw new ModelException.Cancelled();
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread worker =
        Thread.ofVirtual()
            .name("agentry-model-call")
            .unstarted(
                () -> {
                  try {
                    result.complete(work.call());
                  } catch (Throwable t) {
                    result.completeExceptionally(t);
                  }
                });
    cancellation.onCancel(
        () -> {
          result.completeExceptionally(new ModelException.Cancelled());
          safely(abort);
          worker.interrupt();
        });
    if (result.isDone()) {
      throw new ModelException.Cancelled();
    }
    worker.start();
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      safely(abort);
      worker.interrupt();
      throw new ModelException.Cancelled();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ModelException.Cancelled c) {
        throw c;
      }
      if (cancellation.isCancelled()) {
        throw new ModelException.Cancelled();
      }
      if (cause instanceof ModelException m) {
        throw m;
      }
      throw mapError.apply(cause);
    }
  }

  /**
   * Runs a blocking call on the calling thread, for a client whose {@code abort} unblocks it at
   * once (OkHttp's {@code Call.cancel()} closes the socket under a blocked read or connect). No
   * thread is started and none is woken at the end: from a virtual thread (the harness's) those two
   * hops cost about 0.6 ms p50 a request on a busy 2-core machine ({@code bench/run.sh model}). A
   * cancel returns {@link ModelException.Cancelled} as soon as the blocked I/O fails.
   */
  static <T> T runHere(
      Cancellation cancellation,
      Callable<T> work,
      Runnable abort,
      Function<Throwable, ModelException> mapError) {
    if (cancellation.isCancelled()) {
      throw new ModelException.Cancelled();
    }
    cancellation.onCancel(() -> safely(abort));
    try {
      return work.call();
    } catch (ModelException e) {
      if (cancellation.isCancelled()) {
        throw new ModelException.Cancelled();
      }
      throw e;
    } catch (Exception e) {
      if (cancellation.isCancelled() || Thread.currentThread().isInterrupted()) {
        throw new ModelException.Cancelled();
      }
      throw mapError.apply(e);
    }
  }

  /** A listener that stops forwarding once the request is cancelled. */
  static ModelStreamListener guard(ModelStreamListener listener, Cancellation cancellation) {
    return new ModelStreamListener() {
      @Override
      public void onTextDelta(int index, String text) {
        if (!cancellation.isCancelled()) {
          listener.onTextDelta(index, text);
        }
      }

      @Override
      public void onThinkingDelta(int index, String thinking) {
        if (!cancellation.isCancelled()) {
          listener.onThinkingDelta(index, thinking);
        }
      }
    };
  }

  private static void safely(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      // best effort: the call is being abandoned
    }
  }
}
