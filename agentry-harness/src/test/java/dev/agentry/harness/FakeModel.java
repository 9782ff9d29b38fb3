package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.Json;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
import dev.agentry.core.ModelUsage;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** A scripted model: answers requests in order from a script, and records what it was asked. */
final class FakeModel implements ModelClient {
  /** One scripted answer. */
  interface Step {
    ModelResponse answer(ModelRequest request, Cancellation cancellation);
  }

  final List<ModelRequest> requests = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<Step> script = new ConcurrentLinkedQueue<>();
  final CountDownLatch blockedCalls = new CountDownLatch(1);

  FakeModel then(Step step) {
    script.add(step);
    return this;
  }

  FakeModel thenText(String text) {
    return then((r, c) -> text(text));
  }

  FakeModel thenTool(String name, String inputJson) {
    return then((r, c) -> toolUse(name, inputJson));
  }

  FakeModel thenThrow(RuntimeException e) {
    return then(
        (r, c) -> {
          throw e;
        });
  }

  /** Blocks until cancelled, like a slow stream an interrupt cuts. */
  FakeModel thenBlockUntilCancelled() {
    return then(
        (r, c) -> {
          CompletableFuture<Void> cut = new CompletableFuture<>();
          c.onCancel(() -> cut.complete(null));
          blockedCalls.countDown();
          cut.join();
          throw new ModelException.Cancelled();
        });
  }

  @Override
  public ModelResponse send(
      ModelRequest request, ModelStreamListener listener, Cancellation cancellation) {
    requests.add(request);
    Step step = script.poll();
    if (step == null) {
      throw new AssertionError("the model was called more often than scripted");
    }
    return step.answer(request, cancellation);
  }

  static ModelResponse text(String text) {
    return new ModelResponse(
        List.of(new ContentBlock.Text(text)), "end_turn", new ModelUsage(10, 5, 0, 0));
  }

  static ModelResponse toolUse(String name, String inputJson) {
    return new ModelResponse(
        List.of(new ContentBlock.ToolUse("toolu_model_" + name, name, json(inputJson))),
        "tool_use",
        new ModelUsage(10, 5, 0, 0));
  }

  static JsonNode json(String s) {
    try {
      return Json.mapper().readTree(s);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
