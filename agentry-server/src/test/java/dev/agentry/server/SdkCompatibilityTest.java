package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.AgentRetrieveParams;
import com.anthropic.models.beta.agents.AgentUpdateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgent;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.BetaEnvironment;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.SessionListParams;
import com.anthropic.models.beta.sessions.SessionUpdateParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsSessionEventType;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsStreamSessionEvents;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserMessageEventParams;
import com.anthropic.models.beta.sessions.events.EventListParams;
import com.anthropic.models.beta.sessions.events.EventSendParams;
import com.anthropic.models.beta.vaults.VaultCreateParams;
import com.anthropic.models.beta.vaults.credentials.BetaManagedAgentsStaticBearerCreateParams;
import com.anthropic.models.beta.vaults.credentials.CredentialCreateParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Anthropic Java SDK, pointed at Agentry by base URL, drives the launch surface. This
 * class runs it on embedded SQLite; {@link SdkCompatibilityPostgresTest} on PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SdkCompatibilityTest {
  @TempDir static Path dataRoot;
  TestServer server;
  AnthropicClient client;

  /** The database the server uses; null means embedded SQLite. */
  String databaseUrl() {
    return null;
  }

  @BeforeAll
  void start() {
    server = new TestServer(dataRoot.resolve(getClass().getSimpleName()), databaseUrl());
    client = server.sdk();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  BetaManagedAgentsAgent agent(String name) {
    return client
        .beta()
        .agents()
        .create(
            AgentCreateParams.builder()
                .name(name)
                .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                .system("You are helpful.")
                .build());
  }

  BetaEnvironment environment(String name) {
    return client
        .beta()
        .environments()
        .create(EnvironmentCreateParams.builder().name(name).build());
  }

  BetaManagedAgentsSession session(String agentId, String envId) {
    return client
        .beta()
        .sessions()
        .create(
            SessionCreateParams.builder().agent(agentId).environmentId(envId).title("t").build());
  }

  EventSendParams message(String text) {
    return EventSendParams.builder()
        .addEvent(BetaManagedAgentsUserMessageEventParams.builder().addTextContent(text).build())
        .build();
  }

  @Test
  void agent_createRetrieveUpdate_makesImmutableVersions() {
    BetaManagedAgentsAgent created = agent("versioned");
    assertThat(created.version()).isEqualTo(1);
    assertThat(created.model().id().asString()).isEqualTo("claude-sonnet-4-6");

    BetaManagedAgentsAgent updated =
        client
            .beta()
            .agents()
            .update(
                created.id(), AgentUpdateParams.builder().version(1).system("Be terse.").build());
    assertThat(updated.version()).isEqualTo(2);
    assertThat(updated.system()).contains("Be terse.");

    BetaManagedAgentsAgent v1 =
        client
            .beta()
            .agents()
            .retrieve(created.id(), AgentRetrieveParams.builder().version(1).build());
    assertThat(v1.system()).contains("You are helpful.");
    assertThat(client.beta().agents().versions().list(created.id()).data()).hasSize(2);
  }

  @Test
  void agent_updateWithStaleVersion_is409() {
    BetaManagedAgentsAgent created = agent("stale");
    client
        .beta()
        .agents()
        .update(created.id(), AgentUpdateParams.builder().version(1).system("x").build());
    var response =
        server.call("POST", "/v1/agents/" + created.id(), "{\"version\":1,\"system\":\"y\"}");
    assertThat(response.statusCode()).isEqualTo(409);
    assertThat(response.body()).contains("\"type\":\"error\"").contains("version");
  }

  @Test
  void session_sendAndStream_deliversPersistedEventsOverSse() throws Exception {
    var session = session(agent("streamer").id(), environment("stream-env").id());
    assertThat(session.status().asString()).isEqualTo("idle");

    List<BetaManagedAgentsStreamSessionEvents> received = new CopyOnWriteArrayList<>();
    var reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try (StreamResponse<BetaManagedAgentsStreamSessionEvents> stream =
                      client.beta().sessions().events().streamStreaming(session.id())) {
                    // The agent loop adds its own events; this test is about the user's.
                    stream.stream().filter(e -> e.isUserMessage()).limit(2).forEach(received::add);
                  }
                });
    awaitSubscribers(server, 1);
    var sent = client.beta().sessions().events().send(session.id(), message("hello"));
    client.beta().sessions().events().send(session.id(), message("again"));
    reader.join(TimeUnit.SECONDS.toMillis(10));

    assertThat(sent.data().orElseThrow()).hasSize(1);
    String sentId = sent.data().orElseThrow().getFirst().asUserMessage().id();
    assertThat(received).hasSize(2);
    assertThat(received.getFirst().isUserMessage()).isTrue();
    assertThat(received.getFirst().asUserMessage().id()).isEqualTo(sentId);
    assertThat(received.getFirst().asUserMessage().processedAt()).isEmpty();

    var history =
        client
            .beta()
            .sessions()
            .events()
            .list(
                session.id(),
                EventListParams.builder()
                    .order(EventListParams.Order.ASC)
                    .types(List.of(BetaManagedAgentsSessionEventType.USER_MESSAGE))
                    .build());
    assertThat(history.data()).hasSize(2);
    assertThat(history.data().getFirst().asUserMessage().id()).isEqualTo(sentId);
  }

  @Test
  void sessions_list_pagesBothWays() {
    String agentId = agent("pager").id();
    String envId = environment("pager-env").id();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(session(agentId, envId).id());
    }
    var first =
        client
            .beta()
            .sessions()
            .list(SessionListParams.builder().agentId(agentId).limit(2).build());
    assertThat(first.data())
        .extracting(BetaManagedAgentsSession::id)
        .containsExactly(ids.get(4), ids.get(3));
    List<String> all = new ArrayList<>();
    first.autoPager().forEach(s -> all.add(s.id()));
    assertThat(all).containsExactlyElementsOf(ids.reversed());
  }

  @Test
  void unknownIds_are404_andBadInput_is400() {
    assertThatThrownBy(() -> client.beta().agents().retrieve("agent_nope"))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> client.beta().sessions().retrieve("sesn_nope"))
        .isInstanceOf(NotFoundException.class);
    var env = environment("archived-env");
    client.beta().environments().archive(env.id());
    String agentId = agent("for-archived").id();
    assertThatThrownBy(() -> session(agentId, env.id()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("environment_id");
  }

  @Test
  void wrongKey_isRejected() {
    AnthropicClient stranger =
        AnthropicOkHttpClient.builder()
            .baseUrl(server.baseUrl())
            .apiKey("sk-wrong-key-000000000")
            .maxRetries(0)
            .build();
    assertThatThrownBy(() -> stranger.beta().agents().list())
        .isInstanceOf(UnauthorizedException.class);
  }

  @Test
  void vaultCredential_secretIsNeverEchoed() {
    var vault =
        client.beta().vaults().create(VaultCreateParams.builder().displayName("prod").build());
    var credential =
        client
            .beta()
            .vaults()
            .credentials()
            .create(
                vault.id(),
                CredentialCreateParams.builder()
                    .displayName("github")
                    .auth(
                        BetaManagedAgentsStaticBearerCreateParams.builder()
                            .mcpServerUrl("https://mcp.example.com/mcp")
                            .token("ghp_never_echo_this_0123456789")
                            .build())
                    .build());
    assertThat(credential.vaultId()).isEqualTo(vault.id());
    assertThat(credential.auth().isStaticBearer()).isTrue();
    assertThat(credential.auth().asStaticBearer().mcpServerUrl())
        .isEqualTo("https://mcp.example.com/mcp");
    assertThat(credential.toString()).doesNotContain("ghp_never_echo_this");
    assertThat(client.beta().vaults().credentials().list(vault.id()).data()).hasSize(1);
  }

  @Test
  void sessionUpdate_patchesMetadata_andEventsFilterByType() {
    var session = session(agent("meta").id(), environment("meta-env").id());
    client
        .beta()
        .sessions()
        .update(
            session.id(),
            SessionUpdateParams.builder()
                .title("renamed")
                .metadata(
                    SessionUpdateParams.Metadata.builder()
                        .putAdditionalProperty("team", JsonValue.from("infra"))
                        .build())
                .build());
    var updated = client.beta().sessions().retrieve(session.id());
    assertThat(updated.title()).contains("renamed");
    assertThat(updated.metadata()._additionalProperties()).containsKey("team");

    client.beta().sessions().events().send(session.id(), message("typed"));
    var onlyMessages =
        client
            .beta()
            .sessions()
            .events()
            .list(
                session.id(),
                EventListParams.builder()
                    .types(List.of(BetaManagedAgentsSessionEventType.USER_MESSAGE))
                    .build());
    assertThat(onlyMessages.data()).hasSize(1);
    assertThat(onlyMessages.data().getFirst().isUserMessage()).isTrue();
  }

  static void awaitSubscribers(TestServer server, int n) throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      var ready = server.call("GET", "/readyz", null);
      if (ready.body().contains("\"sse_subscribers\":" + n)) {
        return;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("subscribers did not connect");
  }
}
