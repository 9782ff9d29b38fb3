package dev.agentry.bench;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgentToolset20260401Params;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsStreamSessionEvents;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserMessageEventParams;
import com.anthropic.models.beta.sessions.events.EventSendParams;
import dev.agentry.model.ModelClients;
import dev.agentry.server.AgentryServer;
import dev.agentry.server.ServerConfig;
import dev.agentry.testkit.FakeAnthropic;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Agentry's side of the peer bench: the real server (SQLite log with {@code synchronous=FULL},
 * bubblewrap sandboxes, the Anthropic client pointed at the shared fake) driven only through the
 * official Anthropic Java SDK, as a user would: open the session's SSE stream, send one {@code
 * user.message}, read events until {@code session.status_idle}. A step ends when the client reads
 * an {@code agent.tool_result}.
 */
final class AgentrySide implements AutoCloseable {
  private final FakeAnthropic fake;
  private final AgentryServer server;
  private final AnthropicClient sdk;
  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;
  private final String agentId;
  private final String environmentId;

  AgentrySide(FakeAnthropic fake, Path dataDir) {
    this.fake = fake;
    Map<String, String> env =
        Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-bench-peer");
    // ServerConfig.builder's defaults: the bubblewrap sandbox and SQLite in the data dir. A short
    // heartbeat lets the server notice the previous turn's closed stream before the next turn.
    server =
        AgentryServer.start(
            ServerConfig.builder(Map.of())
                .port(0)
                .dataDir(dataDir)
                .apiKey(BenchApi.KEY)
                .heartbeat(Duration.ofMillis(100))
                .build(),
            Clock.systemUTC(),
            new PrintStream(OutputStream.nullOutputStream()),
            ModelClients.fromEnv(env));
    base = "http://127.0.0.1:" + server.port();
    sdk = AnthropicOkHttpClient.builder().baseUrl(base).apiKey(BenchApi.KEY).maxRetries(0).build();
    agentId =
        sdk.beta()
            .agents()
            .create(
                AgentCreateParams.builder()
                    .name("peer-bench")
                    .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                    .addTool(
                        BetaManagedAgentsAgentToolset20260401Params.builder()
                            .type(JsonValue.from("agent_toolset_20260401"))
                            .build())
                    .build())
            .id();
    environmentId =
        sdk.beta()
            .environments()
            .create(EnvironmentCreateParams.builder().name("peer-bench").build())
            .id();
  }

  /** One turn of {@code steps} bash calls and a final answer, on a fresh session. */
  PeerTurn turn(int n, int steps) throws Exception {
    String session =
        sdk.beta()
            .sessions()
            .create(
                SessionCreateParams.builder().agent(agentId).environmentId(environmentId).build())
            .id();
    BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();
    StreamResponse<BetaManagedAgentsStreamSessionEvents> stream =
        sdk.beta().sessions().events().streamStreaming(session);
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    stream.stream().forEach(e -> arrivals.add(new Arrival(System.nanoTime(), e)));
                  } catch (RuntimeException closed) {
                    // the stream was closed at the end of the turn
                  }
                });
    try {
      awaitSubscribers(1);
      PeerTurn.script(fake, steps);
      int requestsBefore = fake.requests().size();
      long t0 = System.nanoTime();
      sdk.beta()
          .sessions()
          .events()
          .send(
              session,
              EventSendParams.builder()
                  .addEvent(
                      BetaManagedAgentsUserMessageEventParams.builder()
                          .addTextContent("run the twenty steps (" + n + ")")
                          .build())
                  .build());
      List<Long> stepNanos = new ArrayList<>();
      long last = t0;
      while (true) {
        Arrival a = arrivals.poll(30, TimeUnit.SECONDS);
        if (a == null) {
          throw new IllegalStateException("turn " + n + ": no event for 30 s");
        }
        if (a.event().isAgentToolResult()) {
          String result = a.event().asAgentToolResult().toString();
          if (!result.contains("step " + (stepNanos.size() + 1))) {
            throw new IllegalStateException("turn " + n + ": unexpected tool result " + result);
          }
          stepNanos.add(a.at() - last);
          last = a.at();
        } else if (a.event().isSessionStatusIdle()) {
          if (!a.event().asSessionStatusIdle().stopReason().isEndTurn()) {
            throw new IllegalStateException("turn " + n + " ended with " + a.event());
          }
          int requests = fake.requests().size() - requestsBefore;
          if (stepNanos.size() != steps || requests != steps + 1) {
            throw new IllegalStateException(
                "turn %d: %d tool results, %d model requests"
                    .formatted(n, stepNanos.size(), requests));
          }
          return new PeerTurn(stepNanos, List.of(), a.at() - last, a.at() - t0);
        }
      }
    } finally {
      stream.close();
      reader.join(TimeUnit.SECONDS.toMillis(5));
    }
  }

  /**
   * Sums of the server's own model request and tool call histograms ({@code /metrics}): {model
   * seconds, model requests, tool seconds, tool calls}.
   */
  double[] serverTimes() throws Exception {
    return BenchApi.serverTimes(http, base);
  }

  /**
   * Waits until the server counts {@code n} SSE subscribers: the turn's stream is subscribed (so it
   * misses no event) and the previous turn's is gone.
   */
  private void awaitSubscribers(int n) throws Exception {
    HttpRequest ready = HttpRequest.newBuilder(URI.create(base + "/readyz")).GET().build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (http.send(ready, HttpResponse.BodyHandlers.ofString())
          .body()
          .contains("\"sse_subscribers\":" + n)) {
        return;
      }
      Thread.sleep(2);
    }
    throw new IllegalStateException("the SSE stream did not subscribe within 10 s");
  }

  @Override
  public void close() {
    sdk.close();
    server.close();
  }

  private record Arrival(long at, BetaManagedAgentsStreamSessionEvents event) {}
}
