package dev.agentry.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.Cancellation;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelStreamListener;
import dev.agentry.testkit.FakeAnthropic;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ModelRouterTest {
  private final FakeAnthropic fake = FakeAnthropic.start();

  @AfterEach
  void stop() {
    fake.close();
  }

  @Test
  void refusal_namesTheAcceptedForms_forAnIdOfNoKnownForm() {
    ModelClient router = ModelClients.fromEnv(Map.of("ANTHROPIC_API_KEY", "sk-ant-router-test"));
    for (String id : List.of("gpt-4o", "", "openai/", "ollama/", "scripted:", "Claude-3")) {
      assertThat(router.refusal(id))
          .as(id)
          .hasValueSatisfying(
              why ->
                  assertThat(why)
                      .contains("claude-…", "openai/<model>", "ollama/<model>", "scripted:<path>"));
    }
    assertThat(router.refusal("claude-sonnet-4-6")).isEmpty();
    assertThat(router.refusal("ollama/llama3.2")).isEmpty();
    assertThat(router.refusal("scripted:turn.json")).isEmpty();
  }

  @Test
  void refusal_namesTheMissingKey_unlessOnlyTheFormIsChecked() {
    ModelClient strict = ModelClients.fromEnv(Map.of());
    assertThat(strict.refusal("claude-sonnet-4-6")).get().asString().contains("ANTHROPIC_API_KEY");
    assertThat(strict.refusal("openai/gpt-4o")).get().asString().contains("OPENAI_API_KEY");
    ModelClient form = ModelClients.fromEnv(Map.of("AGENTRY_MODEL_CHECK", "form"));
    assertThat(form.refusal("claude-sonnet-4-6")).isEmpty();
    assertThat(form.refusal("openai/gpt-4o")).isEmpty();
    assertThat(form.refusal("gpt-4o")).isPresent();
    ModelClient keyed = ModelClients.fromEnv(Map.of("OPENAI_API_KEY", "sk-openai-router"));
    assertThat(keyed.refusal("openai/gpt-4o")).isEmpty();
  }

  @Test
  void send_withAnIdOfNoKnownForm_failsWithoutCallingAnthropic() {
    ModelClient router =
        ModelClients.fromEnv(
            Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-router"));
    ModelRequest request =
        new ModelRequest(
            "gpt-4o",
            null,
            List.of(ModelMessage.user(List.of(new ContentBlock.Text("hi")))),
            List.of(),
            64,
            null);
    assertThatThrownBy(() -> router.send(request, ModelStreamListener.NONE, new Cancellation()))
        .isInstanceOfSatisfying(
            ModelException.class,
            e -> {
              assertThat(e.retryable()).isFalse();
              assertThat(e.getMessage()).contains("'gpt-4o'", "claude-…");
            });
    assertThat(fake.requests()).isEmpty();
  }

  @Test
  void anUnknownCheckMode_isRefusedAtStartUp() {
    assertThatThrownBy(() -> ModelClients.fromEnv(Map.of("AGENTRY_MODEL_CHECK", "strict")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AGENTRY_MODEL_CHECK");
  }
}
