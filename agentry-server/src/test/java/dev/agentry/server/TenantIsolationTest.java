package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.PermissionDeniedException;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.AgentRetrieveParams;
import com.anthropic.models.beta.agents.AgentUpdateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgent;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.BetaEnvironment;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.environments.EnvironmentUpdateParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.SessionUpdateParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserMessageEventParams;
import com.anthropic.models.beta.sessions.events.EventSendParams;
import com.anthropic.models.beta.vaults.BetaManagedAgentsVault;
import com.anthropic.models.beta.vaults.VaultCreateParams;
import com.anthropic.models.beta.vaults.VaultUpdateParams;
import com.anthropic.models.beta.vaults.credentials.BetaManagedAgentsStaticBearerCreateParams;
import com.anthropic.models.beta.vaults.credentials.CredentialCreateParams;
import dev.agentry.core.Workspace;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two keys in two workspaces, driven through the official SDK: each sees only its own objects, the
 * other's ids are 404 everywhere, and a {@code read_only} key cannot write. This class runs on
 * embedded SQLite; {@link TenantIsolationPostgresTest} on PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantIsolationTest {
  static final String TEAM_A = "wrkspc_teamA";
  static final String TEAM_B = "wrkspc_teamB";
  @TempDir static Path dataRoot;
  TestServer server;
  String keyA;
  String keyB;
  AnthropicClient a;
  AnthropicClient b;

  /** The database the server uses; null means embedded SQLite. */
  String databaseUrl() {
    return null;
  }

  @BeforeAll
  void start() {
    server = new TestServer(dataRoot.resolve(getClass().getSimpleName()), databaseUrl());
    keyA = server.createKey(TEAM_A, "member");
    keyB = server.createKey(TEAM_B, "admin");
    a = server.sdk(keyA);
    b = server.sdk(keyB);
  }

  @AfterAll
  void stop() {
    server.close();
  }

  record World(
      BetaManagedAgentsAgent agent,
      BetaEnvironment environment,
      BetaManagedAgentsVault vault,
      BetaManagedAgentsSession session) {}

  static World world(AnthropicClient c, String name) {
    BetaManagedAgentsAgent agent =
        c.beta()
            .agents()
            .create(
                AgentCreateParams.builder()
                    .name(name)
                    .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                    .system("You are helpful.")
                    .build());
    BetaEnvironment env =
        c.beta()
            .environments()
            .create(EnvironmentCreateParams.builder().name("env-" + name).build());
    BetaManagedAgentsVault vault =
        c.beta().vaults().create(VaultCreateParams.builder().displayName(name).build());
    c.beta()
        .vaults()
        .credentials()
        .create(
            vault.id(),
            CredentialCreateParams.builder()
                .auth(
                    BetaManagedAgentsStaticBearerCreateParams.builder()
                        .mcpServerUrl("https://mcp.example.com/" + name)
                        .token("tok_" + name + "_0123456789")
                        .build())
                .build());
    BetaManagedAgentsSession session =
        c.beta()
            .sessions()
            .create(
                SessionCreateParams.builder()
                    .agent(agent.id())
                    .environmentId(env.id())
                    .addVaultId(vault.id())
                    .title(name)
                    .build());
    return new World(agent, env, vault, session);
  }

  static void notFound(ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOf(NotFoundException.class);
  }

  @Test
  void eachWorkspaceSeesOnlyItsOwnObjects_andTheOthersIdsAre404() {
    World wa = world(a, "alpha");
    World wb = world(b, "beta");

    assertThat(a.beta().agents().list().data())
        .extracting(x -> x.id())
        .contains(wa.agent().id())
        .doesNotContain(wb.agent().id());
    assertThat(b.beta().agents().list().data())
        .extracting(x -> x.id())
        .contains(wb.agent().id())
        .doesNotContain(wa.agent().id());
    assertThat(a.beta().environments().list().data())
        .extracting(x -> x.id())
        .contains(wa.environment().id())
        .doesNotContain(wb.environment().id());
    assertThat(a.beta().sessions().list().data())
        .extracting(x -> x.id())
        .contains(wa.session().id())
        .doesNotContain(wb.session().id());
    assertThat(b.beta().sessions().list().data())
        .extracting(x -> x.id())
        .contains(wb.session().id())
        .doesNotContain(wa.session().id());
    assertThat(a.beta().vaults().list().data())
        .extracting(x -> x.id())
        .contains(wa.vault().id())
        .doesNotContain(wb.vault().id());
    // The pinned bootstrap key is an admin of the default workspace: it sees neither.
    assertThat(server.sdk().beta().agents().list().data())
        .extracting(x -> x.id())
        .doesNotContain(wa.agent().id(), wb.agent().id());

    // Environment names are unique per workspace only.
    BetaEnvironment twin =
        b.beta()
            .environments()
            .create(EnvironmentCreateParams.builder().name(wa.environment().name()).build());
    assertThat(twin.name()).isEqualTo("env-alpha");
    assertThatThrownBy(
            () ->
                b.beta()
                    .environments()
                    .create(EnvironmentCreateParams.builder().name("env-alpha").build()))
        .isInstanceOf(com.anthropic.errors.AnthropicServiceException.class)
        .hasMessageContaining("already exists");

    // Agents
    notFound(() -> a.beta().agents().retrieve(wb.agent().id()));
    notFound(
        () ->
            a.beta()
                .agents()
                .retrieve(wb.agent().id(), AgentRetrieveParams.builder().version(1).build()));
    notFound(
        () ->
            a.beta()
                .agents()
                .update(
                    wb.agent().id(), AgentUpdateParams.builder().version(1).system("x").build()));
    notFound(() -> a.beta().agents().archive(wb.agent().id()));
    notFound(() -> a.beta().agents().versions().list(wb.agent().id()));

    // Environments
    notFound(() -> a.beta().environments().retrieve(wb.environment().id()));
    notFound(
        () ->
            a.beta()
                .environments()
                .update(
                    wb.environment().id(), EnvironmentUpdateParams.builder().name("x").build()));
    notFound(() -> a.beta().environments().archive(wb.environment().id()));
    notFound(() -> a.beta().environments().delete(wb.environment().id()));

    // Vaults and, through them, credentials
    notFound(() -> a.beta().vaults().retrieve(wb.vault().id()));
    notFound(
        () ->
            a.beta()
                .vaults()
                .update(wb.vault().id(), VaultUpdateParams.builder().displayName("x").build()));
    notFound(() -> a.beta().vaults().archive(wb.vault().id()));
    notFound(() -> a.beta().vaults().delete(wb.vault().id()));
    notFound(() -> a.beta().vaults().credentials().list(wb.vault().id()));

    // Sessions and, through them, events
    notFound(() -> a.beta().sessions().retrieve(wb.session().id()));
    notFound(
        () ->
            a.beta()
                .sessions()
                .update(wb.session().id(), SessionUpdateParams.builder().title("x").build()));
    notFound(() -> a.beta().sessions().archive(wb.session().id()));
    notFound(() -> a.beta().sessions().delete(wb.session().id()));
    notFound(() -> a.beta().sessions().events().list(wb.session().id()));
    notFound(
        () ->
            a.beta()
                .sessions()
                .events()
                .send(
                    wb.session().id(),
                    EventSendParams.builder()
                        .addEvent(
                            BetaManagedAgentsUserMessageEventParams.builder()
                                .addTextContent("hi")
                                .build())
                        .build()));
    notFound(
        () -> {
          try (var stream = a.beta().sessions().events().streamStreaming(wb.session().id())) {
            stream.stream().findFirst();
          }
        });

    // A session cannot be made from the other workspace's agent, environment or vault.
    assertThatThrownBy(
            () ->
                a.beta()
                    .sessions()
                    .create(
                        SessionCreateParams.builder()
                            .agent(wb.agent().id())
                            .environmentId(wa.environment().id())
                            .build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("agent");
    assertThatThrownBy(
            () ->
                a.beta()
                    .sessions()
                    .create(
                        SessionCreateParams.builder()
                            .agent(wa.agent().id())
                            .environmentId(wb.environment().id())
                            .build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("environment_id");
    assertThatThrownBy(
            () ->
                a.beta()
                    .sessions()
                    .create(
                        SessionCreateParams.builder()
                            .agent(wa.agent().id())
                            .environmentId(wa.environment().id())
                            .addVaultId(wb.vault().id())
                            .build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("vault_ids[0]");

    // Nothing of B's was touched by A's attempts.
    assertThat(b.beta().agents().retrieve(wb.agent().id()).version()).isEqualTo(1);
    assertThat(b.beta().environments().retrieve(wb.environment().id()).archivedAt()).isEmpty();
    assertThat(b.beta().vaults().retrieve(wb.vault().id()).archivedAt()).isEmpty();
    assertThat(b.beta().sessions().retrieve(wb.session().id()).title()).contains("beta");
    assertThat(b.beta().vaults().credentials().list(wb.vault().id()).data()).hasSize(1);
    assertThat(b.beta().sessions().events().list(wb.session().id()).data()).isEmpty();
  }

  @Test
  void readOnlyKey_canReadItsWorkspace_butEveryWriteIs403() {
    World wa = world(a, "gamma");
    String viewerKey = server.createKey(TEAM_A, "read_only");
    AnthropicClient viewer = server.sdk(viewerKey);
    assertThat(viewer.beta().agents().retrieve(wa.agent().id()).id()).isEqualTo(wa.agent().id());
    assertThat(viewer.beta().sessions().list().data())
        .extracting(x -> x.id())
        .contains(wa.session().id());
    assertThatThrownBy(
            () ->
                viewer
                    .beta()
                    .agents()
                    .create(
                        AgentCreateParams.builder()
                            .name("nope")
                            .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                            .build()))
        .isInstanceOf(PermissionDeniedException.class);
    assertThatThrownBy(() -> viewer.beta().sessions().archive(wa.session().id()))
        .isInstanceOf(PermissionDeniedException.class);
    assertThatThrownBy(() -> viewer.beta().vaults().delete(wa.vault().id()))
        .isInstanceOf(PermissionDeniedException.class);
    var raw =
        server.call(
            "POST", "/v1/vaults", "{\"display_name\":\"v\"}", Map.of("x-api-key", viewerKey));
    assertThat(raw.statusCode()).isEqualTo(403);
    assertThat(raw.body()).contains("\"type\":\"permission_error\"");
    assertThat(a.beta().sessions().retrieve(wa.session().id()).archivedAt()).isEmpty();
  }

  @Test
  void workspaceHeader_mustNameTheKeysWorkspace() {
    var own =
        server.call(
            "GET", "/v1/agents", null, Map.of("x-api-key", keyA, "anthropic-workspace-id", TEAM_A));
    assertThat(own.statusCode()).isEqualTo(200);
    for (String other : List.of(TEAM_B, Workspace.DEFAULT_ID, "wrkspc_nosuch")) {
      var r =
          server.call(
              "GET",
              "/v1/agents",
              null,
              Map.of("x-api-key", keyA, "anthropic-workspace-id", other));
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).contains("permission_error").doesNotContain(TEAM_B + " exists");
    }
  }
}
