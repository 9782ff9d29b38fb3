package dev.agentry.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.InternalServerException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import dev.agentry.testkit.FakeAnthropic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Drives {@link FakeAnthropic} with the official SDK: it must speak the real protocol. */
class FakeAnthropicSdkTest {
  FakeAnthropic fake;
  AnthropicClient sdk;

  @BeforeEach
  void start() {
    fake = FakeAnthropic.start();
    sdk =
        AnthropicOkHttpClient.builder()
            .baseUrl(fake.baseUrl())
            .apiKey("sk-test")
            .maxRetries(0)
            .build();
  }

  @AfterEach
  void stop() {
    sdk.close();
    fake.close();
  }

  static MessageCreateParams params() {
    return MessageCreateParams.builder()
        .model("claude-sonnet-4-5")
        .maxTokens(100)
        .addUserMessage("hi")
        .build();
  }

  @Test
  void nonStreamingText() {
    fake.enqueue(FakeAnthropic.text("hello there").usage(12, 3));
    Message m = sdk.messages().create(params());
    assertThat(m.content()).hasSize(1);
    assertThat(m.content().get(0).asText().text()).isEqualTo("hello there");
    assertThat(m.stopReason()).contains(StopReason.END_TURN);
    assertThat(m.usage().inputTokens()).isEqualTo(12);
    assertThat(m.usage().outputTokens()).isEqualTo(3);
    var req = fake.requests().get(0);
    assertThat(req.path()).isEqualTo("/v1/messages");
    assertThat(req.header("authorization")).isEqualTo("Bearer sk-test");
    assertThat(req.body().path("model").asText()).isEqualTo("claude-sonnet-4-5");
  }

  @Test
  void defaultReplyIsOk() {
    Message m = sdk.messages().create(params());
    assertThat(m.content().get(0).asText().text()).isEqualTo("ok");
  }

  @Test
  void streamingToolUseWithInputJsonDeltas() {
    fake.enqueue(
        FakeAnthropic.Reply.of(
                FakeAnthropic.thinkingBlock("let me think", "sig-1"),
                FakeAnthropic.textBlock("Listing files."),
                FakeAnthropic.toolUseBlock(
                    "bash", "{\"command\":\"ls -la /workspace\",\"timeout\":30}"))
            .usage(20, 7));
    List<String> types = new ArrayList<>();
    int jsonDeltas = 0;
    MessageAccumulator acc = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> s = sdk.messages().createStreaming(params())) {
      for (RawMessageStreamEvent e : (Iterable<RawMessageStreamEvent>) s.stream()::iterator) {
        acc.accumulate(e);
        if (e.isContentBlockDelta()) {
          var d = e.asContentBlockDelta().delta();
          types.add(
              d.isInputJson()
                  ? "json"
                  : d.isText() ? "text" : d.isThinking() ? "thinking" : "other");
          if (d.isInputJson()) {
            jsonDeltas++;
          }
        }
      }
    }
    assertThat(jsonDeltas).isGreaterThanOrEqualTo(3);
    assertThat(types).contains("text", "thinking");
    Message m = acc.message();
    assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
    assertThat(m.content()).hasSize(3);
    assertThat(m.content().get(0).asThinking().thinking()).isEqualTo("let me think");
    assertThat(m.content().get(0).asThinking().signature()).isEqualTo("sig-1");
    assertThat(m.content().get(1).asText().text()).isEqualTo("Listing files.");
    var tool = m.content().get(2).asToolUse();
    assertThat(tool.name()).isEqualTo("bash");
    assertThat(tool.id()).startsWith("toolu_");
    assertThat(tool._input().toString()).contains("ls -la /workspace");
    assertThat(m.usage().outputTokens()).isEqualTo(7);
    assertThat(m.usage().inputTokens()).isEqualTo(20);
    assertThat(
            fake.awaitRequests(1, Duration.ofSeconds(1)).get(0).body().path("stream").asBoolean())
        .isTrue();
  }

  @Test
  void errorsSurfaceAsSdkExceptionsWithStatus() {
    fake.enqueue(
        FakeAnthropic.error(429, "rate_limit_error").retryAfter(Duration.ofSeconds(3)),
        FakeAnthropic.error(500, "api_error"),
        FakeAnthropic.error(529, "overloaded_error"));
    assertThatThrownBy(() -> sdk.messages().create(params()))
        .isInstanceOfSatisfying(
            RateLimitException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(429);
              assertThat(e.headers().values("retry-after")).containsExactly("3");
            });
    assertThatThrownBy(() -> sdk.messages().create(params()))
        .isInstanceOf(InternalServerException.class);
    assertThatThrownBy(() -> sdk.messages().createStreaming(params()).close())
        .isInstanceOfSatisfying(
            AnthropicServiceException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(529);
              assertThat(e.type().map(Object::toString)).contains("overloaded_error");
            });
  }

  @Test
  void midStreamErrorIsAnSseError() {
    fake.enqueue(FakeAnthropic.error(529, "overloaded_error").midStream());
    assertThatThrownBy(
            () -> {
              try (var s = sdk.messages().createStreaming(params())) {
                s.stream().forEach(e -> {});
              }
            })
        .isInstanceOfSatisfying(
            AnthropicServiceException.class,
            e -> assertThat(e.type().map(Object::toString)).contains("overloaded_error"));
  }
}
