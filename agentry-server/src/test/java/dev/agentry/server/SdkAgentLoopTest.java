package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgentToolset20260401Params;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgentToolsetDefaultConfigParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAlwaysAskPolicy;
import com.anthropic.models.beta.agents.BetaManagedAgentsCustomToolInputSchema;
import com.anthropic.models.beta.agents.BetaManagedAgentsCustomToolParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsStreamSessionEvents;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserCustomToolResultEventParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserMessageEventParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserToolConfirmationEventParams;
import com.anthropic.models.beta.sessions.events.EventSendParams;
import dev.agentry.testkit.FakeAnthropic;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent loop driven only through the official Java SDK, as its documentation's quickstart does
 * it: open the stream, send a message, read events until the session idles; answer custom tools
 * with {@code user.custom_tool_result}. The model is the fake Anthropic endpoint over HTTP.
 */
class SdkAgentLoopTest {
  @TempDir static Path dataDir;
  static FakeAnthropic fake;
  static TestServer server;
  static AnthropicClient client;

  @BeforeAll
  static void start() {
    fake = FakeAnthropic.start();
    server =
        new TestServer(
            dataDir,
            null,
            Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-sdk-loop"));
    client = server.sdk();
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
  }

  /** Reads the session's stream on a virtual thread into a queue until closed. */
  static final class Reader implements AutoCloseable {
    final BlockingQueue<BetaManagedAgentsStreamSessionEvents> events = new LinkedBlockingQueue<>();
    final StreamResponse<BetaManagedAgentsStreamSessionEvents> stream;
    final Thread thread;

    Reader(String sessionId) {
      stream = client.beta().sessions().events().streamStreaming(sessionId);
      thread =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      stream.stream().forEach(events::add);
                    } catch (RuntimeException closed) {
                      // the test closed the stream
                    }
                  });
    }

    /** Events up to and including the next {@code session.status_idle}. */
    List<BetaManagedAgentsStreamSessionEvents> untilIdle() throws InterruptedException {
      List<BetaManagedAgentsStreamSessionEvents> out = new ArrayList<>();
      while (true) {
        var e = events.poll(20, TimeUnit.SECONDS);
        assertThat(e).as("an event before the timeout; got " + out).isNotNull();
        out.add(e);
        if (e.isSessionStatusIdle()) {
          return out;
        }
      }
    }

    @Override
    public void close() {
      stream.close();
    }
  }

  static String newSession(AgentCreateParams.Builder agent) {
    String agentId = client.beta().agents().create(agent.build()).id();
    String envId =
        client
            .beta()
            .environments()
            .create(EnvironmentCreateParams.builder().name("sdk-" + System.nanoTime()).build())
            .id();
    return client
        .beta()
        .sessions()
        .create(SessionCreateParams.builder().agent(agentId).environmentId(envId).build())
        .id();
  }

  static void say(String sessionId, String text) {
    client
        .beta()
        .sessions()
        .events()
        .send(
            sessionId,
            EventSendParams.builder()
                .addEvent(
                    BetaManagedAgentsUserMessageEventParams.builder().addTextContent(text).build())
                .build());
  }

  @Test
  void sessionUsage_parsesAsTheSdksSnapshot_withCacheCreationByLifetime() throws Exception {
    fake.enqueue(FakeAnthropic.text("cached").usage(100, 7).cacheUsage(40, 25));
    String session =
        newSession(
            AgentCreateParams.builder()
                .name("usage")
                .model(BetaManagedAgentsModel.of("claude-sonnet-4-6")));
    try (Reader reader = new Reader(session)) {
      SdkCompatibilityTest.awaitSubscribers(server, 1);
      say(session, "count the tokens");
      var usage =
          reader.untilIdle().stream()
              .filter(e -> e.isSessionUsage())
              .reduce((a, b) -> b)
              .orElseThrow()
              .asSessionUsage()
              .usage();
      assertThat(usage._additionalProperties()).isEmpty(); // no field the SDK does not know
      assertThat(usage.inputTokens()).contains(100L);
      assertThat(usage.outputTokens()).contains(7L);
      assertThat(usage.cacheReadInputTokens()).contains(40L);
      var creation = usage.cacheCreation().orElseThrow();
      assertThat(creation._additionalProperties()).isEmpty();
      assertThat(creation.ephemeral5mInputTokens()).contains(25L);
      assertThat(creation.ephemeral1hInputTokens()).contains(0L);
      assertThat(usage.listCost()).isPresent();
      assertThat(usage.serverToolUse()).isPresent();
    }
  }

  @Test
  void quickstartLoop_streamsTheTurnToTheSdk() throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":\"echo from-the-sandbox\"}"),
        FakeAnthropic.text("The sandbox said hello."));
    String session =
        newSession(
            AgentCreateParams.builder()
                .name("coder")
                .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                .addTool(
                    BetaManagedAgentsAgentToolset20260401Params.builder()
                        .type(JsonValue.from("agent_toolset_20260401"))
                        .build()));
    try (Reader reader = new Reader(session)) {
      SdkCompatibilityTest.awaitSubscribers(server, 1);
      say(session, "run something");
      List<BetaManagedAgentsStreamSessionEvents> turn = reader.untilIdle();
      assertThat(turn.getLast().asSessionStatusIdle().stopReason().isEndTurn()).isTrue();
      var toolUse = turn.stream().filter(e -> e.isAgentToolUse()).findFirst().orElseThrow();
      assertThat(toolUse.asAgentToolUse().name()).isEqualTo("bash");
      var toolResult = turn.stream().filter(e -> e.isAgentToolResult()).findFirst().orElseThrow();
      assertThat(toolResult.asAgentToolResult().toolUseId())
          .isEqualTo(toolUse.asAgentToolUse().id());
      assertThat(toolResult.toString()).contains("from-the-sandbox");
      var message = turn.stream().filter(e -> e.isAgentMessage()).findFirst().orElseThrow();
      assertThat(message.toString()).contains("The sandbox said hello.");
    }
  }

  @Test
  void customTool_isAnsweredThroughTheSdk() throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse("lookup_order", "{\"order\":\"A-17\"}"),
        FakeAnthropic.text("Order A-17 ships tomorrow."));
    String session =
        newSession(
            AgentCreateParams.builder()
                .name("support")
                .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                .addTool(
                    BetaManagedAgentsCustomToolParams.builder()
                        .name("lookup_order")
                        .description("Looks up an order")
                        .inputSchema(
                            BetaManagedAgentsCustomToolInputSchema.builder()
                                .type(JsonValue.from("object"))
                                .build())
                        .type(JsonValue.from("custom"))
                        .build()));
    try (Reader reader = new Reader(session)) {
      SdkCompatibilityTest.awaitSubscribers(server, 1);
      say(session, "where is my order?");
      List<BetaManagedAgentsStreamSessionEvents> first = reader.untilIdle();
      var idle = first.getLast().asSessionStatusIdle();
      assertThat(idle.stopReason().isRequiresAction()).isTrue();
      var use = first.stream().filter(e -> e.isAgentCustomToolUse()).findFirst().orElseThrow();
      assertThat(idle.stopReason().asRequiresAction().eventIds())
          .containsExactly(use.asAgentCustomToolUse().id());

      client
          .beta()
          .sessions()
          .events()
          .send(
              session,
              EventSendParams.builder()
                  .addEvent(
                      BetaManagedAgentsUserCustomToolResultEventParams.builder()
                          .customToolUseId(use.asAgentCustomToolUse().id())
                          .addTextContent("ships 2026-11-26")
                          .build())
                  .build());
      List<BetaManagedAgentsStreamSessionEvents> second = reader.untilIdle();
      assertThat(second.getLast().asSessionStatusIdle().stopReason().isEndTurn()).isTrue();
      assertThat(
              second.stream().filter(e -> e.isAgentMessage()).findFirst().orElseThrow().toString())
          .contains("ships tomorrow");
    }
    assertThat(fake.requests().getLast().body().toString()).contains("ships 2026-11-26");
  }

  @Test
  void alwaysAsk_isConfirmedAndDeniedThroughTheSdk() throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":\"echo approved-run\"}"),
        FakeAnthropic.toolUse("bash", "{\"command\":\"echo never-run\"}"),
        FakeAnthropic.text("Understood, I will not run that."));
    String session =
        newSession(
            AgentCreateParams.builder()
                .name("careful")
                .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                .addTool(
                    BetaManagedAgentsAgentToolset20260401Params.builder()
                        .type(JsonValue.from("agent_toolset_20260401"))
                        .defaultConfig(
                            BetaManagedAgentsAgentToolsetDefaultConfigParams.builder()
                                .permissionPolicy(
                                    BetaManagedAgentsAlwaysAskPolicy.builder().build())
                                .build())
                        .build()));
    try (Reader reader = new Reader(session)) {
      SdkCompatibilityTest.awaitSubscribers(server, 1);
      say(session, "run it if I agree");
      List<BetaManagedAgentsStreamSessionEvents> first = reader.untilIdle();
      var ask = first.stream().filter(e -> e.isAgentToolUse()).findFirst().orElseThrow();
      assertThat(first.getLast().asSessionStatusIdle().stopReason().isRequiresAction()).isTrue();
      assertThat(first.stream().noneMatch(e -> e.isAgentToolResult())).isTrue();

      confirm(session, ask.asAgentToolUse().id(), true, null);
      List<BetaManagedAgentsStreamSessionEvents> second = reader.untilIdle();
      assertThat(
              second.stream()
                  .filter(e -> e.isAgentToolResult())
                  .findFirst()
                  .orElseThrow()
                  .toString())
          .contains("approved-run");
      var secondAsk = second.stream().filter(e -> e.isAgentToolUse()).findFirst().orElseThrow();
      assertThat(second.getLast().asSessionStatusIdle().stopReason().isRequiresAction()).isTrue();

      confirm(session, secondAsk.asAgentToolUse().id(), false, "not today");
      List<BetaManagedAgentsStreamSessionEvents> third = reader.untilIdle();
      assertThat(third.getLast().asSessionStatusIdle().stopReason().isEndTurn()).isTrue();
      assertThat(
              third.stream()
                  .filter(e -> e.isAgentToolResult())
                  .findFirst()
                  .orElseThrow()
                  .toString())
          .contains("not today")
          .doesNotContain("never-run");
    }
    assertThat(fake.requests().getLast().body().toString()).contains("not today");
  }

  static void confirm(String sessionId, String toolUseId, boolean allow, String denyMessage) {
    var confirmation =
        BetaManagedAgentsUserToolConfirmationEventParams.builder()
            .toolUseId(toolUseId)
            .result(
                allow
                    ? BetaManagedAgentsUserToolConfirmationEventParams.Result.ALLOW
                    : BetaManagedAgentsUserToolConfirmationEventParams.Result.DENY);
    if (denyMessage != null) {
      confirmation.denyMessage(denyMessage);
    }
    client
        .beta()
        .sessions()
        .events()
        .send(sessionId, EventSendParams.builder().addEvent(confirmation.build()).build());
  }
}
