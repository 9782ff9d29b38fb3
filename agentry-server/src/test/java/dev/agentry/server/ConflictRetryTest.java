package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.RequestOptions;
import com.anthropic.core.http.HttpClient;
import com.anthropic.core.http.HttpRequest;
import com.anthropic.core.http.HttpResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.AgentUpdateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgent;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official SDK retries a 409 twice by default unless the answer says {@code x-should-retry:
 * false}; a conflict (a stale version) is not cured by resending, so one stale update is one
 * request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConflictRetryTest {
  @TempDir static Path dataRoot;
  TestServer server;

  @BeforeAll
  void start() {
    server = new TestServer(dataRoot, null);
  }

  @AfterAll
  void stop() {
    server.close();
  }

  /** Counts the requests the SDK puts on the wire, retries included. */
  static final class Counting implements HttpClient {
    final HttpClient wire;
    final AtomicInteger sent = new AtomicInteger();

    /** {@code wire}: a client that does not retry by itself (TestServer's has maxRetries 0). */
    Counting(HttpClient wire) {
      this.wire = wire;
    }

    @Override
    public HttpResponse execute(HttpRequest request, RequestOptions options) {
      sent.incrementAndGet();
      return wire.execute(request, options);
    }

    @Override
    public CompletableFuture<HttpResponse> executeAsync(
        HttpRequest request, RequestOptions options) {
      sent.incrementAndGet();
      return wire.executeAsync(request, options);
    }

    @Override
    public void close() {
      wire.close();
    }
  }

  @Test
  void staleUpdate_is409WithShouldRetryFalse_andTheSdkSendsItOnce() {
    AnthropicClient plain = server.sdk();
    Counting counting = new Counting(plain.options().httpClient());
    // The SDK's default: two retries of a 408, 409, 429 or 5xx unless x-should-retry says no.
    AnthropicClient client = plain.withOptions(o -> o.httpClient(counting).maxRetries(2));
    BetaManagedAgentsAgent agent =
        client
            .beta()
            .agents()
            .create(
                AgentCreateParams.builder()
                    .name("stale")
                    .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                    .build());
    client
        .beta()
        .agents()
        .update(agent.id(), AgentUpdateParams.builder().version(1).system("x").build());
    counting.sent.set(0);

    assertThatThrownBy(
            () ->
                client
                    .beta()
                    .agents()
                    .update(agent.id(), AgentUpdateParams.builder().version(1).system("y").build()))
        .isInstanceOfSatisfying(
            AnthropicServiceException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(409);
              assertThat(e.headers().values("x-should-retry")).containsExactly("false");
            });
    assertThat(counting.sent.get()).as("requests on the wire for one stale update").isEqualTo(1);
  }

  @Test
  void otherErrors_carryNoShouldRetryHeader() {
    var missing = server.call("GET", "/v1/agents/agent_nope", null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.headers().firstValue("x-should-retry")).isEmpty();
  }
}
