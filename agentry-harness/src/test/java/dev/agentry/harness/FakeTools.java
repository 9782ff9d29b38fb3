package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolOutcome;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** Records tool calls; {@code slow} tools block until their cancellation flips. */
final class FakeTools implements ToolExecutor {
  record Call(String name, JsonNode input, Cancellation cancellation) {}

  final List<Call> calls = new CopyOnWriteArrayList<>();
  final CountDownLatch slowStarted = new CountDownLatch(1);
  volatile String slow = "";

  /** The sessions whose sandbox the harness asked to start ahead, one entry per ask. */
  final List<String> prepared = new CopyOnWriteArrayList<>();

  /** The sessions a run asked for its executor ({@link ToolExecutor#forRun}), one per ask. */
  final List<String> runs = new CopyOnWriteArrayList<>();

  /** For each call, the number of the run-scoped executor it went through (1 for the first). */
  final List<Integer> callRuns = new CopyOnWriteArrayList<>();

  @Override
  public void prepare(String sessionId) {
    prepared.add(sessionId);
  }

  @Override
  public ToolExecutor forRun(String sessionId) {
    runs.add(sessionId);
    int run = runs.size();
    FakeTools all = this;
    return new ToolExecutor() {
      @Override
      public ToolOutcome execute(String id, String name, JsonNode input, Cancellation c) {
        callRuns.add(run);
        return all.execute(id, name, input, c);
      }

      @Override
      public void prepare(String id) {
        all.prepare(id);
      }
    };
  }

  @Override
  public ToolOutcome execute(
      String sessionId, String name, JsonNode input, Cancellation cancellation) {
    calls.add(new Call(name, input, cancellation));
    if (name.equals(slow)) {
      CompletableFuture<Void> cut = new CompletableFuture<>();
      cancellation.onCancel(() -> cut.complete(null));
      slowStarted.countDown();
      cut.join();
      return ToolOutcome.error("killed");
    }
    return ToolOutcome.ok(name + " ran with " + input);
  }
}
