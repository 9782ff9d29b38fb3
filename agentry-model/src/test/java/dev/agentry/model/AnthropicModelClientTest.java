package dev.agentry.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
import dev.agentry.core.ToolDefinition;
import dev.agentry.testkit.FakeAnthropic;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AnthropicModelClientTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "sk-ant-secret-123456";

  FakeAnthropic fake;
  ModelClient client;

  @BeforeEach
  void start() {
    fake = FakeAnthropic.start();
    client = ModelClients.anthropic(fake.baseUrl(), KEY);
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  static JsonNode json(String s) {
    try {
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static ModelRequest request(List<ModelMessage> messages) {
    return new ModelRequest(
        "claude-sonnet-4-5",
        "You are helpful.",
        messages,
        List.of(
            new ToolDefinition(
                "read", "Read a file", json("{\"type\":\"object\",\"properties\":{}}")),
            new ToolDefinition(
                "bash",
                "Run a command",
                json(
                    "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"}},"
                        + "\"required\":[\"command\"]}"))),
        1024,
        null);
  }

  static ModelRequest hello() {
    return request(List.of(ModelMessage.user(List.of(new ContentBlock.Text("hello")))));
  }

  static final class Recorder implements ModelStreamListener {
    final List<String> text = new CopyOnWriteArrayList<>();
    final List<String> thinking = new CopyOnWriteArrayList<>();
    final CountDownLatch first = new CountDownLatch(1);

    @Override
    public void onTextDelta(int index, String t) {
      text.add(index + ":" + t);
      first.countDown();
    }

    @Override
    public void onThinkingDelta(int index, String t) {
      thinking.add(index + ":" + t);
    }
  }

  @Test
  void textStreamsDeltasAndUsage() {
    fake.enqueue(FakeAnthropic.text("Hello, world!").usage(42, 7).cacheUsage(30, 5));
    Recorder rec = new Recorder();
    ModelResponse r = client.send(hello(), rec, new Cancellation());
    assertThat(r.content()).containsExactly(new ContentBlock.Text("Hello, world!"));
    assertThat(r.stopReason()).isEqualTo("end_turn");
    assertThat(r.usage().inputTokens()).isEqualTo(42);
    assertThat(r.usage().outputTokens()).isEqualTo(7);
    assertThat(r.usage().cacheReadInputTokens()).isEqualTo(30);
    assertThat(r.usage().cacheCreationInputTokens()).isEqualTo(5);
    assertThat(rec.text).hasSizeGreaterThan(1);
    assertThat(String.join("", rec.text.stream().map(s -> s.substring(2)).toList()))
        .isEqualTo("Hello, world!");
    assertThat(rec.text).allMatch(s -> s.startsWith("0:"));
  }

  @Test
  void toolUseRoundTrip() {
    fake.enqueue(
        FakeAnthropic.Reply.of(
            FakeAnthropic.thinkingBlock("I should list", "sig-abc"),
            FakeAnthropic.toolUseBlock("bash", "{\"command\":\"ls -la\"}")),
        FakeAnthropic.text("There are 3 files."));
    Recorder rec = new Recorder();
    ModelRequest first = hello();
    ModelResponse r1 = client.send(first, rec, new Cancellation());
    assertThat(r1.stopReason()).isEqualTo("tool_use");
    assertThat(r1.content()).hasSize(2);
    assertThat(r1.content().get(0))
        .isEqualTo(new ContentBlock.Thinking("I should list", "sig-abc"));
    var use = (ContentBlock.ToolUse) r1.content().get(1);
    assertThat(use.name()).isEqualTo("bash");
    assertThat(use.input()).isEqualTo(json("{\"command\":\"ls -la\"}"));
    assertThat(rec.thinking).isNotEmpty();

    // the request: system, tools with schema, cache_control breakpoints
    JsonNode body1 = fake.requests().get(0).body();
    assertThat(body1.path("stream").asBoolean()).isTrue();
    assertThat(body1.path("model").asText()).isEqualTo("claude-sonnet-4-5");
    assertThat(body1.path("max_tokens").asInt()).isEqualTo(1024);
    assertThat(body1.path("system").get(0).path("text").asText()).isEqualTo("You are helpful.");
    assertThat(body1.path("system").get(0).path("cache_control").path("type").asText())
        .isEqualTo("ephemeral");
    JsonNode tools = body1.path("tools");
    assertThat(tools).hasSize(2);
    assertThat(tools.get(0).has("cache_control")).isFalse();
    assertThat(tools.get(1).path("cache_control").path("type").asText()).isEqualTo("ephemeral");
    assertThat(tools.get(1).path("name").asText()).isEqualTo("bash");
    assertThat(tools.get(1).path("description").asText()).isEqualTo("Run a command");
    assertThat(tools.get(1).path("input_schema").path("required").get(0).asText())
        .isEqualTo("command");

    // second turn: tool_use echoed back, tool_result mapped, cache_control on the last user block
    ModelRequest second =
        request(
            List.of(
                ModelMessage.user(List.of(new ContentBlock.Text("hello"))),
                ModelMessage.assistant(r1.content()),
                ModelMessage.user(
                    List.of(
                        new ContentBlock.ToolResult(use.id(), "a\nb\nc", false),
                        new ContentBlock.Raw(
                            json(
                                "{\"type\":\"image\",\"source\":{\"type\":\"base64\","
                                    + "\"media_type\":\"image/png\",\"data\":\"iVBOR\"}}"))))));
    ModelResponse r2 = client.send(second, ModelStreamListener.NONE, new Cancellation());
    assertThat(r2.content()).containsExactly(new ContentBlock.Text("There are 3 files."));
    JsonNode msgs = fake.awaitRequests(2, Duration.ofSeconds(2)).get(1).body().path("messages");
    assertThat(msgs).hasSize(3);
    assertThat(msgs.get(0).path("content").get(0).has("cache_control")).isFalse();
    JsonNode assistant = msgs.get(1).path("content");
    assertThat(assistant.get(0).path("type").asText()).isEqualTo("thinking");
    assertThat(assistant.get(0).path("signature").asText()).isEqualTo("sig-abc");
    assertThat(assistant.get(1).path("type").asText()).isEqualTo("tool_use");
    assertThat(assistant.get(1).path("id").asText()).isEqualTo(use.id());
    assertThat(assistant.get(1).path("input").path("command").asText()).isEqualTo("ls -la");
    JsonNode user = msgs.get(2).path("content");
    assertThat(user.get(0).path("type").asText()).isEqualTo("tool_result");
    assertThat(user.get(0).path("tool_use_id").asText()).isEqualTo(use.id());
    assertThat(user.get(0).path("content").asText()).isEqualTo("a\nb\nc");
    assertThat(user.get(0).has("cache_control")).isFalse();
    assertThat(user.get(1).path("type").asText()).isEqualTo("image");
    assertThat(user.get(1).path("source").path("data").asText()).isEqualTo("iVBOR");
    assertThat(user.get(1).path("cache_control").path("type").asText()).isEqualTo("ephemeral");
    assertThat(fake.requests().get(1).header("authorization")).isEqualTo("Bearer " + KEY);
  }

  @Test
  void overloadedWithRetryAfterIsRetryable() {
    fake.enqueue(FakeAnthropic.error(529, "overloaded_error").retryAfter(Duration.ofSeconds(7)));
    assertThatThrownBy(() -> client.send(hello(), ModelStreamListener.NONE, new Cancellation()))
        .isInstanceOfSatisfying(
            ModelException.class,
            e -> {
              assertThat(e.errorType()).isEqualTo("model_overloaded_error");
              assertThat(e.retryable()).isTrue();
              assertThat(e.status()).isEqualTo(529);
              assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
              assertThat(e.getMessage()).doesNotContain(KEY);
            });
  }

  @Test
  void errorStatusesMap() {
    fake.enqueue(
        FakeAnthropic.error(429, "rate_limit_error").retryAfter(Duration.ofMillis(1500)),
        FakeAnthropic.error(500, "api_error"),
        FakeAnthropic.error(400, "invalid_request_error").message("bad: " + KEY),
        FakeAnthropic.error(401, "authentication_error"),
        FakeAnthropic.error(402, "billing_error"));
    ModelException e429 = fail(client);
    assertThat(e429.errorType()).isEqualTo("model_rate_limited_error");
    assertThat(e429.retryable()).isTrue();
    assertThat(e429.retryAfter()).contains(Duration.ofMillis(1500));
    ModelException e500 = fail(client);
    assertThat(e500.errorType()).isEqualTo("model_request_failed_error");
    assertThat(e500.retryable()).isTrue();
    ModelException e400 = fail(client);
    assertThat(e400.errorType()).isEqualTo("model_request_failed_error");
    assertThat(e400.retryable()).isFalse();
    assertThat(e400.status()).isEqualTo(400);
    assertThat(e400.getMessage()).contains("bad:").doesNotContain(KEY);
    ModelException e401 = fail(client);
    assertThat(e401.errorType()).isEqualTo("authentication_error");
    assertThat(e401.retryable()).isFalse();
    ModelException e402 = fail(client);
    assertThat(e402.errorType()).isEqualTo("billing_error");
    assertThat(e402.retryable()).isFalse();
  }

  @Test
  void errorEventInsideTheStream() {
    fake.enqueue(FakeAnthropic.error(529, "overloaded_error").midStream());
    ModelException e = fail(client);
    assertThat(e.errorType()).isEqualTo("model_overloaded_error");
    assertThat(e.retryable()).isTrue();
  }

  @Test
  void networkFailureIsRetryableStatusZero() {
    String dead = fake.baseUrl();
    fake.close();
    ModelException e = fail(ModelClients.anthropic(dead, KEY));
    assertThat(e.errorType()).isEqualTo("model_request_failed_error");
    assertThat(e.retryable()).isTrue();
    assertThat(e.status()).isZero();
    assertThat(e.getMessage()).doesNotContain(KEY);
  }

  @Test
  void missingKeyIsANonRetryableAuthenticationError() {
    ModelException e = fail(ModelClients.fromEnv(Map.of("ANTHROPIC_BASE_URL", fake.baseUrl())));
    assertThat(e.errorType()).isEqualTo("authentication_error");
    assertThat(e.retryable()).isFalse();
    assertThat(e.getMessage()).contains("ANTHROPIC_API_KEY");
    assertThat(fake.requests()).isEmpty();
  }

  @Test
  void fromEnvRoutesToAnthropic() {
    ModelClient router =
        ModelClients.fromEnv(
            Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", KEY));
    ModelResponse r = router.send(hello(), ModelStreamListener.NONE, new Cancellation());
    assertThat(r.content()).containsExactly(new ContentBlock.Text("ok"));
  }

  @Test
  void cancellingASlowStreamReturnsQuickly() throws Exception {
    fake.enqueue(
        FakeAnthropic.text("a long answer that trickles in slowly")
            .chunkSize(2)
            .chunkDelay(Duration.ofMillis(300)));
    Cancellation cancellation = new Cancellation();
    Recorder rec = new Recorder();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                if (rec.first.await(5, TimeUnit.SECONDS)) {
                  cancellation.cancel();
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    long start = System.nanoTime();
    assertThatThrownBy(() -> client.send(hello(), rec, cancellation))
        .isInstanceOf(ModelException.Cancelled.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(rec.text).isNotEmpty();
  }

  @Test
  void cancellingBeforeTheFirstByteReturnsQuickly() {
    fake.enqueue(FakeAnthropic.text("late").delay(Duration.ofSeconds(10)));
    Cancellation cancellation = new Cancellation();
    Thread.ofVirtual()
        .start(
            () -> {
              fake.awaitRequests(1, Duration.ofSeconds(5));
              cancellation.cancel();
            });
    long start = System.nanoTime();
    assertThatThrownBy(() -> client.send(hello(), ModelStreamListener.NONE, cancellation))
        .isInstanceOf(ModelException.Cancelled.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void alreadyCancelledSendsNothing() {
    Cancellation c = new Cancellation();
    c.cancel();
    assertThatThrownBy(() -> client.send(hello(), ModelStreamListener.NONE, c))
        .isInstanceOf(ModelException.Cancelled.class);
    assertThat(fake.requests()).isEmpty();
  }

  static ModelException fail(ModelClient c) {
    try {
      c.send(hello(), ModelStreamListener.NONE, new Cancellation());
    } catch (ModelException e) {
      return e;
    }
    throw new AssertionError("expected a ModelException");
  }
}
