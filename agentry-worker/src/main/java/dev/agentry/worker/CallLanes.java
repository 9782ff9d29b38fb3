package dev.agentry.worker;

import dev.agentry.core.Cancellation;
import dev.agentry.core.ThreadView;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The calls of one work item that are running, one lane per session thread (docs/decisions/0047,
 * the SDK's {@code maxConcurrentCalls}): a thread's calls run one at a time, in the order the
 * session made them, each in that thread's own shell; calls of different threads run side by side,
 * at most {@code maxConcurrent} at once. One caller (the item's loop) starts and finishes calls;
 * {@link #cancelAll()} may come from another thread (a lost lease).
 */
final class CallLanes {
  /** A call on its way: its cancellation and its outcome, once the tool returns. */
  record Running(
      SessionView.Call call, Cancellation cancellation, CompletableFuture<ToolOutcome> outcome) {}

  private final ToolExecutor tools;
  private final String sessionId;
  private final int maxConcurrent;
  private final Map<String, Running> byThread = new ConcurrentHashMap<>();

  CallLanes(ToolExecutor tools, String sessionId, int maxConcurrent) {
    this.tools = tools;
    this.sessionId = sessionId;
    this.maxConcurrent = maxConcurrent;
  }

  /** The session thread a call belongs to: the primary's when the event names none. */
  String threadOf(SessionView.Call call) {
    return call.threadId().isEmpty() ? ThreadView.primaryId(sessionId) : call.threadId();
  }

  /** Whether {@code call} may start now: its thread runs nothing, and a slot is free. */
  boolean canStart(SessionView.Call call) {
    return !byThread.containsKey(threadOf(call)) && byThread.size() < maxConcurrent;
  }

  void start(SessionView.Call call) {
    String thread = threadOf(call);
    Running r = new Running(call, new Cancellation(), new CompletableFuture<>());
    byThread.put(thread, r);
    Thread.ofVirtual()
        .name("worker-call-" + call.id())
        .start(
            () -> {
              try {
                r.outcome()
                    .complete(
                        tools.execute(
                            sessionId, thread, call.name(), call.input(), r.cancellation()));
              } catch (RuntimeException e) {
                r.outcome().complete(ToolOutcome.error(call.name() + " failed: " + e.getMessage()));
              }
            });
  }

  boolean idle() {
    return byThread.isEmpty();
  }

  /** The calls whose tool returned, taken out of their lanes (which may then start the next). */
  List<Running> finished() {
    List<Running> out = new ArrayList<>();
    byThread.forEach(
        (thread, r) -> {
          if (r.outcome().isDone() && byThread.remove(thread, r)) {
            out.add(r);
          }
        });
    return out;
  }

  /** Cancels the running calls that {@code moot} says no longer need a result. */
  void cancelIf(Predicate<SessionView.Call> moot) {
    byThread.values().stream()
        .filter(r -> moot.test(r.call()))
        .forEach(r -> r.cancellation().cancel());
  }

  void cancelAll() {
    byThread.values().forEach(r -> r.cancellation().cancel());
  }

  /** Waits up to {@code millis} for any running call to return. */
  void awaitAny(long millis) throws InterruptedException {
    List<CompletableFuture<ToolOutcome>> outcomes =
        byThread.values().stream().map(Running::outcome).toList();
    if (outcomes.isEmpty()) {
      return;
    }
    try {
      CompletableFuture.anyOf(outcomes.toArray(CompletableFuture[]::new))
          .get(millis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // still running (or done, which the caller's loop sees)
    }
  }
}
