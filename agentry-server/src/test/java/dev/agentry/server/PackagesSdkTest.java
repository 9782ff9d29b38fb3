package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.JsonValue;
import com.anthropic.errors.BadRequestException;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgentToolset20260401Params;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.BetaCloudConfigParams;
import com.anthropic.models.beta.environments.BetaLimitedNetworkParams;
import com.anthropic.models.beta.environments.BetaPackagesParams;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsSessionEvent;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserMessageEventParams;
import com.anthropic.models.beta.sessions.events.EventSendParams;
import dev.agentry.testkit.FakeAnthropic;
import dev.agentry.testkit.PipTestIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Environment packages through the official Java SDK, the model being the fake Anthropic endpoint:
 * what an environment's {@code config.packages} names is on the sandbox's PATH and import paths
 * from its sessions' first tool call on, built once per environment. The apt and npm case reaches
 * Debian's mirror and the npm registry (tag {@code network}: it fails, never skips, without them);
 * the failure case uses the loopback pip index.
 */
class PackagesSdkTest {
  @TempDir static Path dataDir;
  static PipTestIndex index;
  static FakeAnthropic fake;
  static TestServer server;
  static AnthropicClient client;

  @BeforeAll
  static void start() {
    index = PipTestIndex.start();
    fake = FakeAnthropic.start();
    server =
        new TestServer(
            dataDir,
            null,
            Map.of(
                "ANTHROPIC_BASE_URL",
                fake.baseUrl(),
                "ANTHROPIC_API_KEY",
                "sk-ant-packages",
                ServerConfig.PIP_INDEX_KEY,
                index.url()));
    client = server.sdk();
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
    index.close();
  }

  static String environment(BetaPackagesParams packages) {
    return client
        .beta()
        .environments()
        .create(
            EnvironmentCreateParams.builder()
                .name("packages-" + System.nanoTime())
                .config(
                    BetaCloudConfigParams.builder()
                        .networking(
                            BetaLimitedNetworkParams.builder().allowPackageManagers(true).build())
                        .packages(packages)
                        .build())
                .build())
        .id();
  }

  static String session(String environmentId) {
    String agent =
        client
            .beta()
            .agents()
            .create(
                AgentCreateParams.builder()
                    .name("packaged")
                    .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                    .addTool(
                        BetaManagedAgentsAgentToolset20260401Params.builder()
                            .type(JsonValue.from("agent_toolset_20260401"))
                            .build())
                    .build())
            .id();
    return client
        .beta()
        .sessions()
        .create(SessionCreateParams.builder().agent(agent).environmentId(environmentId).build())
        .id();
  }

  /** Sends a message and waits for the turn's idle; returns the session's events. */
  static List<BetaManagedAgentsSessionEvent> turn(String session, String text) {
    client
        .beta()
        .sessions()
        .events()
        .send(
            session,
            EventSendParams.builder()
                .addEvent(
                    BetaManagedAgentsUserMessageEventParams.builder().addTextContent(text).build())
                .build());
    List<BetaManagedAgentsSessionEvent> events = new ArrayList<>();
    await()
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              events.clear();
              client.beta().sessions().events().list(session).autoPager().forEach(events::add);
              return events.stream().anyMatch(BetaManagedAgentsSessionEvent::isSessionStatusIdle);
            });
    return events;
  }

  static String toolResult(List<BetaManagedAgentsSessionEvent> events) {
    return events.stream()
        .filter(BetaManagedAgentsSessionEvent::isAgentToolResult)
        .findFirst()
        .orElseThrow()
        .asAgentToolResult()
        .toString();
  }

  static List<Path> layers() throws Exception {
    Path root = dataDir.resolve("package-layers");
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(root)) {
      return s.toList();
    }
  }

  static final String CHECK =
      "cowsay moo-from-apt && node -e \"console.log('pad:' + require('left-pad')('7', 3, '0'))\""
          + " && cat /opt/agentry/packages/layer.json";

  @Test
  @Tag("network")
  void aptAndNpmPackages_areUsableFromBash_andASecondSessionReusesTheLayer() throws Exception {
    String env =
        environment(BetaPackagesParams.builder().addApt("cowsay").addNpm("left-pad").build());
    String first = session(env);
    assertThat(layers()).as("nothing is installed at session create").isEmpty();

    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":" + json(CHECK) + "}"),
        FakeAnthropic.text("done"));
    long t0 = System.nanoTime();
    String out1 = toolResult(turn(first, "use the packages"));
    long firstMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(out1).contains("moo-from-apt").contains("(oo)").contains("pad:007");
    assertThat(layers()).hasSize(1);
    String build = layerBuild(out1);

    String second = session(env);
    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":" + json(CHECK) + "}"),
        FakeAnthropic.text("done"));
    long t1 = System.nanoTime();
    String out2 = toolResult(turn(second, "use them again"));
    long secondMs = (System.nanoTime() - t1) / 1_000_000;
    assertThat(out2).contains("moo-from-apt").contains("pad:007");
    assertThat(layerBuild(out2)).as("the same layer, not a rebuild").isEqualTo(build);
    assertThat(layers()).hasSize(1);
    System.out.printf(
        "packages turn (apt cowsay + npm left-pad): first session %d ms, second %d ms%n",
        firstMs, secondMs);
  }

  @Test
  void failedInstall_isASessionError_namingTheManagerAndPackage() throws Exception {
    String env =
        environment(
            BetaPackagesParams.builder()
                .addPip(PipTestIndex.PACKAGE)
                .addPip("no-such-wheel-zz9")
                .build());
    String session = session(env);
    List<Path> before = layers();
    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":\"agentry-hello\"}"),
        FakeAnthropic.text("it failed"));
    List<BetaManagedAgentsSessionEvent> events = turn(session, "try");

    var error =
        events.stream()
            .filter(BetaManagedAgentsSessionEvent::isSessionError)
            .findFirst()
            .orElseThrow()
            .asSessionError()
            .error();
    assertThat(error.isUnknown()).isTrue();
    var props = error.asUnknown()._additionalProperties();
    assertThat(props.get("package_manager")).isEqualTo(JsonValue.from("pip"));
    assertThat(props.get("package")).isEqualTo(JsonValue.from("no-such-wheel-zz9"));
    assertThat(error.message()).contains("pip").contains("no-such-wheel-zz9");
    var result =
        events.stream()
            .filter(BetaManagedAgentsSessionEvent::isAgentToolResult)
            .findFirst()
            .orElseThrow()
            .asAgentToolResult();
    assertThat(result.isError()).contains(true);
    assertThat(layers()).as("no layer, not even half of one").isEqualTo(before);
  }

  @Test
  void unknownPackageManager_is400NamingIt() {
    assertThatThrownBy(
            () ->
                environment(
                    BetaPackagesParams.builder()
                        .putAdditionalProperty("brew", JsonValue.from(List.of("wget")))
                        .build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("config.packages.brew")
        .hasMessageContaining("unknown package manager");
  }

  @Test
  void packageNameWithShellMetacharacters_is400NamingTheField() {
    assertThatThrownBy(
            () -> environment(BetaPackagesParams.builder().addApt("cowsay; rm -rf /").build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("config.packages.apt[0]")
        .hasMessageContaining("shell metacharacters");
    assertThatThrownBy(
            () -> environment(BetaPackagesParams.builder().addNpm("$(curl evil)").build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("config.packages.npm[0]");
    assertThatThrownBy(
            () -> environment(BetaPackagesParams.builder().addPip("--index-url=x").build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("config.packages.pip[0]");
  }

  @Test
  void aManagerThisHostLacks_isRefusedAtCreate_notAtTheFirstToolCall() {
    // go is not in this machine's sandbox tool set (docs/packages.md); on a host that has it the
    // same environment is accepted.
    String manager = "go";
    var res =
        server.call(
            "POST",
            "/v1/environments",
            "{\"name\":\"lacking\",\"config\":{\"type\":\"cloud\",\"networking\":"
                + "{\"type\":\"unrestricted\"},\"packages\":{\""
                + manager
                + "\":[\"golang.org/x/tools/cmd/stringer\"]}}}");
    if (PackageNames.installable(manager)) {
      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    } else {
      assertThat(res.statusCode()).as(res.body()).isEqualTo(400);
      assertThat(res.body())
          .contains("unsupported_feature")
          .contains("config.packages.go")
          .contains("no go in its sandbox");
    }
  }

  @Test
  void aSelfHostedEnvironmentsPackages_areRefused_theWorkerSetsItsOwn() {
    var res =
        server.call(
            "POST",
            "/v1/environments",
            "{\"name\":\"hands\",\"config\":{\"type\":\"self_hosted\",\"packages\":"
                + "{\"npm\":[\"left-pad\"]}}}");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(400);
    assertThat(res.body()).contains("unsupported_feature").contains("config.packages");
  }

  /** The {@code build} id in {@code layer.json} ({@code <key prefix>-<random>}), as printed. */
  private static String layerBuild(String toolResult) {
    var m =
        java.util.regex.Pattern.compile("build\\W+([0-9a-f]{12}-[0-9a-f]{8})").matcher(toolResult);
    assertThat(m.find()).as("layer.json in " + toolResult).isTrue();
    return m.group(1);
  }

  private static String json(String s) {
    return com.fasterxml.jackson.databind.node.TextNode.valueOf(s).toString();
  }
}
