package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.anthropic.client.AnthropicClient;
import com.anthropic.errors.BadRequestException;
import com.anthropic.models.ErrorType;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.AgentUpdateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgent;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.agents.BetaManagedAgentsModelConfigParams;
import java.nio.file.Path;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model id no configured provider can serve is refused when the agent is saved, through the
 * official SDK, instead of failing at the first turn with a message about a key.
 */
class ModelCheckTest {
  @TempDir Path dataRoot;

  /** Keys point nowhere: nothing here calls a model. */
  private static final Map<String, String> ANTHROPIC_ONLY =
      Map.of("ANTHROPIC_API_KEY", "sk-ant-model-check", "ANTHROPIC_BASE_URL", "http://127.0.0.1:9");

  @Test
  void create_withAnIdOfNoKnownForm_isA400NamingTheAcceptedForms() {
    try (TestServer server = new TestServer(dataRoot, null, ANTHROPIC_ONLY)) {
      BadRequestException e = refused(() -> create(server.sdk(), "gpt-4o"));
      assertThat(e.type()).contains(ErrorType.INVALID_REQUEST_ERROR);
      assertThat(e.apiMessage().orElseThrow())
          .startsWith("model: 'gpt-4o'")
          .contains("claude-…", "openai/<model>", "ollama/<model>", "scripted:<path>")
          .doesNotContain("ANTHROPIC_API_KEY");
      assertThat(server.sdk().beta().agents().list().data()).isEmpty();
    }
  }

  @Test
  void create_withEveryConfiguredForm_isAccepted() {
    try (TestServer server = new TestServer(dataRoot, null, ANTHROPIC_ONLY)) {
      AnthropicClient sdk = server.sdk();
      assertThat(create(sdk, "claude-sonnet-4-6").model().id().asString())
          .isEqualTo("claude-sonnet-4-6");
      assertThat(create(sdk, "ollama/llama3.2").model().id().asString())
          .isEqualTo("ollama/llama3.2");
      assertThat(create(sdk, "scripted:examples/scripted-turn.json").model().id().asString())
          .isEqualTo("scripted:examples/scripted-turn.json");
    }
  }

  @Test
  void create_whoseProviderHasNoKey_isA400NamingTheKey() {
    try (TestServer server = new TestServer(dataRoot, null, ANTHROPIC_ONLY)) {
      assertThat(refused(() -> create(server.sdk(), "openai/gpt-4o")).apiMessage().orElseThrow())
          .startsWith("model: 'openai/gpt-4o' needs OPENAI_API_KEY")
          .contains("AGENTRY_MODEL_CHECK=form");
    }
    try (TestServer server = new TestServer(dataRoot, null, Map.of())) {
      assertThat(
              refused(() -> create(server.sdk(), "claude-sonnet-4-6")).apiMessage().orElseThrow())
          .startsWith("model: 'claude-sonnet-4-6' needs ANTHROPIC_API_KEY");
    }
  }

  @Test
  void formCheck_acceptsAnUnconfiguredProvider_butNotAnUnknownForm() {
    try (TestServer server =
        new TestServer(dataRoot, null, Map.of("AGENTRY_MODEL_CHECK", "form"))) {
      assertThat(create(server.sdk(), "claude-sonnet-4-6").model().id().asString())
          .isEqualTo("claude-sonnet-4-6");
      assertThat(create(server.sdk(), "openai/gpt-4o").model().id().asString())
          .isEqualTo("openai/gpt-4o");
      assertThat(refused(() -> create(server.sdk(), "gpt-4o")).apiMessage().orElseThrow())
          .contains("claude-…");
    }
  }

  @Test
  void update_toAnUnservableModel_isA400AndLeavesTheAgentAsItWas() {
    try (TestServer server = new TestServer(dataRoot, null, ANTHROPIC_ONLY)) {
      AnthropicClient sdk = server.sdk();
      BetaManagedAgentsAgent agent = create(sdk, "claude-sonnet-4-6");
      BadRequestException plain =
          refused(
              () ->
                  sdk.beta()
                      .agents()
                      .update(
                          agent.id(),
                          AgentUpdateParams.builder()
                              .version(1)
                              .model(BetaManagedAgentsModel.of("gpt-4o"))
                              .build()));
      assertThat(plain.apiMessage().orElseThrow()).startsWith("model: 'gpt-4o'");
      BadRequestException config =
          refused(
              () ->
                  sdk.beta()
                      .agents()
                      .update(
                          agent.id(),
                          AgentUpdateParams.builder()
                              .version(1)
                              .model(
                                  BetaManagedAgentsModelConfigParams.builder()
                                      .id(BetaManagedAgentsModel.of("openai/gpt-4o"))
                                      .build())
                              .build()));
      assertThat(config.apiMessage().orElseThrow())
          .startsWith("model.id: 'openai/gpt-4o' needs OPENAI_API_KEY");
      BetaManagedAgentsAgent now = sdk.beta().agents().retrieve(agent.id());
      assertThat(now.version()).isEqualTo(1);
      assertThat(now.model().id().asString()).isEqualTo("claude-sonnet-4-6");

      BetaManagedAgentsAgent moved =
          sdk.beta()
              .agents()
              .update(
                  agent.id(),
                  AgentUpdateParams.builder()
                      .version(1)
                      .model(BetaManagedAgentsModel.of("ollama/qwen3"))
                      .build());
      assertThat(moved.model().id().asString()).isEqualTo("ollama/qwen3");
    }
  }

  @Test
  void update_thatLeavesTheModel_isNotChecked() {
    Path dir = dataRoot.resolve("shared");
    String id;
    try (TestServer server = new TestServer(dir, null, Map.of("AGENTRY_MODEL_CHECK", "form"))) {
      id = create(server.sdk(), "claude-sonnet-4-6").id();
    }
    // Restarted without the key: the agent cannot run, but its description can still be edited.
    try (TestServer server = new TestServer(dir, null, Map.of())) {
      BetaManagedAgentsAgent updated =
          server
              .sdk()
              .beta()
              .agents()
              .update(id, AgentUpdateParams.builder().version(1).description("later").build());
      assertThat(updated.version()).isEqualTo(2);
    }
  }

  private static BetaManagedAgentsAgent create(AnthropicClient sdk, String model) {
    return sdk.beta()
        .agents()
        .create(
            AgentCreateParams.builder()
                .name("checked")
                .model(BetaManagedAgentsModel.of(model))
                .build());
  }

  private static BadRequestException refused(ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).isInstanceOf(BadRequestException.class);
    assertThat(((BadRequestException) thrown).statusCode()).isEqualTo(400);
    return (BadRequestException) thrown;
  }
}
