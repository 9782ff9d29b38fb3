package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.beta.sessions.BetaManagedAgentsDeltaType;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsStreamSessionEvents;
import com.anthropic.models.beta.sessions.events.EventStreamParams;
import dev.agentry.testkit.FakeAnthropic;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stream that asks for {@code event_deltas[]} sees the message being written, then the event. */
class LivePreviewTest {
  @TempDir static Path dataDir;
  static FakeAnthropic fake;
  static TestServer server;

  @BeforeAll
  static void start() {
    fake = FakeAnthropic.start();
    server =
        new TestServer(
            dataDir,
            null,
            Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-preview"));
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
  }

  @Test
  void eventDeltas_previewTheMessage_withTheIdOfThePersistedEvent() throws Exception {
    fake.enqueue(
        FakeAnthropic.text("The quick brown fox jumps over the lazy dog.")
            .chunkSize(8)
            .chunkDelay(Duration.ofMillis(5)));
    String agent =
        BadInputTest.id(
            server.call("POST", "/v1/agents", "{\"name\":\"p\",\"model\":\"claude-sonnet-4-6\"}"));
    String env = BadInputTest.id(server.call("POST", "/v1/environments", "{\"name\":\"p\"}"));
    String session =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/sessions",
                "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
    AnthropicClient client = server.sdk();
    List<BetaManagedAgentsStreamSessionEvents> seen = new CopyOnWriteArrayList<>();
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try (StreamResponse<BetaManagedAgentsStreamSessionEvents> stream =
                      client
                          .beta()
                          .sessions()
                          .events()
                          .streamStreaming(
                              session,
                              EventStreamParams.builder()
                                  .addEventDelta(BetaManagedAgentsDeltaType.AGENT_MESSAGE)
                                  .build())) {
                    stream.stream().takeWhile(e -> !e.isSessionStatusIdle()).forEach(seen::add);
                  }
                });
    SdkCompatibilityTest.awaitSubscribers(server, 1);
    AgentLoopEndToEndTest.say(server, session, "write a sentence");
    reader.join(Duration.ofSeconds(15));

    var start = seen.stream().filter(e -> e.isEventStart()).findFirst().orElseThrow();
    String previewId = start.asEventStart().event().asAgentMessage().id();
    var deltas = seen.stream().filter(e -> e.isEventDelta()).toList();
    assertThat(deltas).hasSizeGreaterThan(1);
    assertThat(deltas).allSatisfy(d -> assertThat(d.asEventDelta().eventId()).isEqualTo(previewId));
    var message = seen.stream().filter(e -> e.isAgentMessage()).findFirst().orElseThrow();
    assertThat(message.asAgentMessage().id()).isEqualTo(previewId);
    assertThat(seen.indexOf(start)).isLessThan(seen.indexOf(message));
  }
}
