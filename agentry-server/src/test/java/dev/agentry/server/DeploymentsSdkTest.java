package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.JsonValue;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgentToolset20260401Params;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.deploymentruns.BetaManagedAgentsDeploymentRun;
import com.anthropic.models.beta.deploymentruns.DeploymentRunListParams;
import com.anthropic.models.beta.deployments.BetaManagedAgentsDeployment;
import com.anthropic.models.beta.deployments.BetaManagedAgentsDeploymentStatus;
import com.anthropic.models.beta.deployments.BetaManagedAgentsScheduleParams;
import com.anthropic.models.beta.deployments.DeploymentCreateParams;
import com.anthropic.models.beta.deployments.DeploymentListParams;
import com.anthropic.models.beta.deployments.DeploymentUpdateParams;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserMessageEventParams;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /v1/deployments} and {@code /v1/deployment_runs} through the official Java SDK, on a
 * server whose clock the test moves: the server's own scheduler fires the occurrence.
 */
class DeploymentsSdkTest {
  @TempDir static Path dataDir;
  static final SettableClock clock = new SettableClock();
  static TestServer server;
  static AnthropicClient client;

  @BeforeAll
  static void start() {
    server = new TestServer(dataDir, null, Map.of("AGENTRY_MODEL_CHECK", "form"), clock);
    client = server.sdk();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String agent() {
    return client
        .beta()
        .agents()
        .create(
            AgentCreateParams.builder()
                .name("nightly")
                .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                .addTool(
                    BetaManagedAgentsAgentToolset20260401Params.builder()
                        .type(JsonValue.from("agent_toolset_20260401"))
                        .build())
                .build())
        .id();
  }

  static String environment() {
    return client
        .beta()
        .environments()
        .create(EnvironmentCreateParams.builder().name("dep-" + System.nanoTime()).build())
        .id();
  }

  static DeploymentCreateParams.Builder params(String agent, String env) {
    return DeploymentCreateParams.builder()
        .name("Friday report")
        .agent(agent)
        .environmentId(env)
        .addInitialEvent(
            BetaManagedAgentsUserMessageEventParams.builder()
                .addTextContent("Write the weekly report")
                .build())
        .schedule(
            BetaManagedAgentsScheduleParams.builder()
                .expression("0 * * * *")
                .timezone("America/New_York")
                .build());
  }

  static List<BetaManagedAgentsDeploymentRun> runs(String deployment) {
    return client
        .beta()
        .deploymentRuns()
        .list(DeploymentRunListParams.builder().deploymentId(deployment).build())
        .data();
  }

  @Test
  void create_showsTheScheduleAndItsUpcomingRuns_andRetrieveListUpdateAgree() {
    String agent = agent();
    BetaManagedAgentsDeployment d =
        client.beta().deployments().create(params(agent, environment()).build());
    assertThat(d.id()).startsWith("depl_");
    assertThat(d.status()).isEqualTo(BetaManagedAgentsDeploymentStatus.ACTIVE);
    assertThat(d.pausedReason()).isEmpty();
    assertThat(d.agent().id()).isEqualTo(agent);
    assertThat(d.agent().version()).isEqualTo(1);
    var schedule = d.schedule().orElseThrow();
    assertThat(schedule.expression()).isEqualTo("0 * * * *");
    assertThat(schedule.lastRunAt()).isEmpty();
    List<OffsetDateTime> upcoming = schedule.upcomingRunsAt().orElseThrow();
    assertThat(upcoming).hasSize(DeploymentViews.UPCOMING);
    assertThat(upcoming.getFirst().toInstant()).isAfter(clock.instant());
    assertThat(upcoming.get(0).getMinute()).isZero();
    assertThat(Duration.between(upcoming.get(0), upcoming.get(1))).isEqualTo(Duration.ofHours(1));

    var deployments = client.beta().deployments();
    assertThat(deployments.retrieve(d.id()).name()).isEqualTo("Friday report");
    assertThat(deployments.list(DeploymentListParams.builder().agentId(agent).build()).data())
        .extracting(BetaManagedAgentsDeployment::id)
        .containsExactly(d.id());
    var renamed =
        deployments.update(d.id(), DeploymentUpdateParams.builder().name("Weekly report").build());
    assertThat(renamed.name()).isEqualTo("Weekly report");
    assertThat(renamed.schedule().orElseThrow().upcomingRunsAt()).contains(upcoming);
  }

  @Test
  void aManualRun_makesASessionOfTheTemplate() {
    var d = client.beta().deployments().create(params(agent(), environment()).build());
    BetaManagedAgentsDeploymentRun run = client.beta().deployments().run(d.id());
    assertThat(run.id()).startsWith("drun_");
    assertThat(run.deploymentId()).isEqualTo(d.id());
    assertThat(run.triggerContext().isManual()).isTrue();
    assertThat(run.error()).isEmpty();
    String session = run.sessionId().orElseThrow();
    assertThat(client.beta().sessions().retrieve(session).environmentId())
        .isEqualTo(d.environmentId());
    assertThat(client.beta().deploymentRuns().retrieve(run.id()).sessionId()).contains(session);
    assertThat(client.beta().deployments().retrieve(d.id()).schedule().orElseThrow().lastRunAt())
        .isPresent();
  }

  @Test
  void theSchedulerFiresTheOccurrence_once_andPauseUnpauseDoNotBackfill() {
    var deployments = client.beta().deployments();
    var d = deployments.create(params(agent(), environment()).build());
    Instant first = d.schedule().orElseThrow().upcomingRunsAt().orElseThrow().get(0).toInstant();

    clock.advance(Duration.between(clock.instant(), first).plusSeconds(11));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> runs(d.id()).size() == 1 && runs(d.id()).getFirst().sessionId().isPresent());
    BetaManagedAgentsDeploymentRun fired = runs(d.id()).getFirst();
    assertThat(fired.triggerContext().isSchedule()).isTrue();
    assertThat(fired.triggerContext().asSchedule().scheduledAt().toInstant()).isEqualTo(first);

    var paused = deployments.pause(d.id());
    assertThat(paused.status()).isEqualTo(BetaManagedAgentsDeploymentStatus.PAUSED);
    assertThat(paused.pausedReason().orElseThrow().isManual()).isTrue();
    assertThat(paused.schedule().orElseThrow().upcomingRunsAt().orElseThrow()).isEmpty();
    // Three occurrences pass while paused; unpausing does not make them up.
    clock.advance(Duration.ofHours(3));
    var active = deployments.unpause(d.id());
    assertThat(active.status()).isEqualTo(BetaManagedAgentsDeploymentStatus.ACTIVE);
    assertThat(active.pausedReason()).isEmpty();
    Instant next =
        active.schedule().orElseThrow().upcomingRunsAt().orElseThrow().get(0).toInstant();
    assertThat(next).isAfter(clock.instant());
    // A manual run proves the scheduler has had time to tick; still only one scheduled run.
    deployments.run(d.id());
    await().atMost(Duration.ofSeconds(5)).until(() -> runs(d.id()).size() == 2);
    assertThat(runs(d.id())).filteredOn(r -> r.triggerContext().isSchedule()).hasSize(1);
  }

  @Test
  void aRunOfAnArchivedAgent_failsTyped_andArchivesTheDeployment() {
    String agent = agent();
    var d = client.beta().deployments().create(params(agent, environment()).build());
    client.beta().agents().archive(agent);
    BetaManagedAgentsDeploymentRun run = client.beta().deployments().run(d.id());
    assertThat(run.sessionId()).isEmpty();
    var response = server.call("GET", "/v1/deployment_runs/" + run.id(), null);
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode error = readJson(response.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("agent_archived_error");
    assertThat(error.path("message").asText()).contains("archived");
    assertThat(run.error().orElseThrow().isAgentArchived()).isTrue();

    var archived = client.beta().deployments().retrieve(d.id());
    assertThat(archived.archivedAt()).isPresent();
    assertThat(
            client
                .beta()
                .deploymentRuns()
                .list(DeploymentRunListParams.builder().deploymentId(d.id()).hasError(true).build())
                .data())
        .extracting(BetaManagedAgentsDeploymentRun::id)
        .containsExactly(run.id());
    assertThat(
            client
                .beta()
                .deploymentRuns()
                .list(
                    DeploymentRunListParams.builder().deploymentId(d.id()).hasError(false).build())
                .data())
        .isEmpty();
  }

  @Test
  void aBadCronOrTimezone_is400NamingIt() {
    String agent = agent();
    String env = environment();
    assertThatThrownBy(
            () ->
                client
                    .beta()
                    .deployments()
                    .create(
                        params(agent, env)
                            .schedule(
                                BetaManagedAgentsScheduleParams.builder()
                                    .expression("0 25 * * *")
                                    .timezone("America/New_York")
                                    .build())
                            .build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("schedule.expression");
    assertThatThrownBy(
            () ->
                client
                    .beta()
                    .deployments()
                    .create(
                        params(agent, env)
                            .schedule(
                                BetaManagedAgentsScheduleParams.builder()
                                    .expression("0 20 * * 5")
                                    .timezone("America/Gotham")
                                    .build())
                            .build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("schedule.timezone");
  }

  @Test
  void badBodies_are400sInTheErrorEnvelope_andUnknownIdsAre404() {
    String agent = agent();
    String env = environment();
    String base =
        "{\"name\":\"x\",\"agent\":\""
            + agent
            + "\",\"environment_id\":\""
            + env
            + "\",\"initial_events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]";
    assertError(
        server.call("POST", "/v1/deployments", base + ",\"cron\":\"* * * * *\"}"),
        "cron: unknown field");
    assertError(
        server.call(
            "POST",
            "/v1/deployments",
            base
                + ",\"schedule\":{\"type\":\"cron\",\"expression\":\"* * * * * *\",\"timezone\":\"UTC\"}}"),
        "schedule.expression: must have 5 fields");
    assertError(
        server.call(
            "POST",
            "/v1/deployments",
            "{\"name\":\"x\",\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"),
        "initial_events");
    assertError(
        server.call("POST", "/v1/deployments", base.replace(env, "env_missing") + "}"),
        "environment_id");
    assertThat(server.call("GET", "/v1/deployments/depl_missing", null).statusCode())
        .isEqualTo(404);
    assertThatThrownBy(() -> client.beta().deploymentRuns().retrieve("drun_missing"))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void archive_stopsTheScheduleAndRefusesRuns() {
    var d = client.beta().deployments().create(params(agent(), environment()).build());
    var archived = client.beta().deployments().archive(d.id());
    assertThat(archived.archivedAt()).isPresent();
    assertThat(archived.schedule().orElseThrow().upcomingRunsAt().orElseThrow()).isEmpty();
    assertThatThrownBy(() -> client.beta().deployments().run(d.id()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("archived");
    assertThat(client.beta().deployments().list().data())
        .extracting(BetaManagedAgentsDeployment::id)
        .doesNotContain(d.id());
  }

  private static JsonNode readJson(String body) {
    try {
      return Json.mapper().readTree(body);
    } catch (Exception e) {
      throw new AssertionError(body, e);
    }
  }

  private static void assertError(java.net.http.HttpResponse<String> r, String message) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode body = readJson(r.body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(body.path("error").path("message").asText()).contains(message);
  }
}
