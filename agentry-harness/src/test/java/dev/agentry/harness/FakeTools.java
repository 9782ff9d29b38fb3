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

  @Override
  public void prepare(String sessionId) {
    prepared.add(sessionId);
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
