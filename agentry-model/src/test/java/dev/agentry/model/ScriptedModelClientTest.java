package dev.agentry.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScriptedModelClientTest {
  static final String SCRIPT =
      """
      {"turns": [
        {"content": [{"type": "text", "text": "Let me look around."},
                     {"type": "tool_use", "name": "bash", "input": {"command": "ls"}}],
         "stop_reason": "tool_use",
         "usage": {"input_tokens": 10, "output_tokens": 5}},
        {"content": [{"type": "text", "text": "All done."}], "delay_ms": 50}
      ]}
      """;

  @TempDir Path dir;

  static ModelRequest request(String model, List<ModelMessage> messages) {
    return new ModelRequest(model, null, messages, List.of(), 100, null);
  }

  static ModelMessage user(String t) {
    return ModelMessage.user(List.of(new ContentBlock.Text(t)));
  }

  @Test
  void replaysTurnByAssistantCountDeterministically() throws Exception {
    Path script = Files.writeString(dir.resolve("demo.json"), SCRIPT);
    ModelClient router = ModelClients.fromEnv(Map.of("AGENTRY_SCRIPTS_DIR", dir.toString()));
    String model = "scripted:" + script;
    List<String> deltas = new CopyOnWriteArrayList<>();
    ModelStreamListener listener =
        new ModelStreamListener() {
          @Override
          public void onTextDelta(int index, String text) {
            deltas.add(text);
          }
        };
    List<ModelMessage> history = new ArrayList<>(List.of(user("hi")));
    ModelResponse r1 = router.send(request(model, history), listener, new Cancellation());
    assertThat(r1.stopReason()).isEqualTo("tool_use");
    assertThat(r1.usage().inputTokens()).isEqualTo(10);
    assertThat(r1.content())
        .containsExactly(
            new ContentBlock.Text("Let me look around."),
            new ContentBlock.ToolUse(
                "toolu_scripted_0_1", "bash", new ObjectMapper().readTree("{\"command\":\"ls\"}")));
    assertThat(deltas.size()).isGreaterThan(1);
    assertThat(String.join("", deltas)).isEqualTo("Let me look around.");

    // same request again (e.g. after a restart): same answer, same ids
    assertThat(router.send(request(model, history), ModelStreamListener.NONE, new Cancellation()))
        .isEqualTo(r1);

    history.add(ModelMessage.assistant(r1.content()));
    history.add(
        ModelMessage.user(List.of(new ContentBlock.ToolResult("toolu_scripted_0_1", "x", false))));
    ModelResponse r2 =
        router.send(request(model, history), ModelStreamListener.NONE, new Cancellation());
    assertThat(r2.content()).containsExactly(new ContentBlock.Text("All done."));
    assertThat(r2.stopReason()).isEqualTo("end_turn");

    history.add(ModelMessage.assistant(r2.content()));
    history.add(user("more?"));
    ModelResponse r3 =
        ModelClients.scripted(script)
            .send(request("anything", history), ModelStreamListener.NONE, new Cancellation());
    assertThat(r3.content()).containsExactly(new ContentBlock.Text("(script finished)"));
    assertThat(r3.stopReason()).isEqualTo("end_turn");
  }

  @Test
  void delayIsCancellable() throws Exception {
    Path script =
        Files.writeString(
            dir.resolve("slow.json"),
            "{\"turns\":[{\"content\":[{\"type\":\"text\",\"text\":\"x\"}],\"delay_ms\":20000}]}");
    Cancellation c = new Cancellation();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                Thread.sleep(100);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              c.cancel();
            });
    long start = System.nanoTime();
    assertThatThrownBy(
            () ->
                ModelClients.scripted(script)
                    .send(request("s", List.of(user("hi"))), ModelStreamListener.NONE, c))
        .isInstanceOf(ModelException.Cancelled.class);
    assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
  }

  @Test
  void missingScriptIsANonRetryableError() {
    assertThatThrownBy(
            () ->
                ModelClients.fromEnv(Map.of("AGENTRY_SCRIPTS_DIR", dir.toString()))
                    .send(
                        request("scripted:" + dir.resolve("nope.json"), List.of(user("hi"))),
                        ModelStreamListener.NONE,
                        new Cancellation()))
        .isInstanceOfSatisfying(
            ModelException.class,
            e -> {
              assertThat(e.retryable()).isFalse();
              assertThat(e.getMessage()).contains("does not exist");
            });
  }

  @Test
  void aScriptOutsideTheScriptsDirectory_isRefusedUnread() throws Exception {
    Path scripts = Files.createDirectories(dir.resolve("scripts"));
    Path outside = Files.writeString(dir.resolve("elsewhere.json"), SCRIPT);
    Path link = Files.createSymbolicLink(scripts.resolve("link.json"), outside);
    ModelClient router = ModelClients.fromEnv(Map.of("AGENTRY_SCRIPTS_DIR", scripts.toString()));
    for (Path script : List.of(outside, link, scripts.resolve("../elsewhere.json"))) {
      assertThatThrownBy(
              () ->
                  router.send(
                      request("scripted:" + script, List.of(user("hi"))),
                      ModelStreamListener.NONE,
                      new Cancellation()))
          .isInstanceOfSatisfying(
              ModelException.class,
              e -> {
                assertThat(e.retryable()).isFalse();
                assertThat(e.getMessage()).contains("read only from AGENTRY_SCRIPTS_DIR");
              });
    }
    Files.writeString(scripts.resolve("inside.json"), SCRIPT);
    assertThat(
            router
                .send(
                    request("scripted:" + scripts.resolve("inside.json"), List.of(user("hi"))),
                    ModelStreamListener.NONE,
                    new Cancellation())
                .stopReason())
        .isEqualTo("tool_use");
  }
}
