package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.anthropic.client.AnthropicClient;
import com.anthropic.errors.BadRequestException;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.AgentUpdateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgent;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgentReference;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.agents.BetaManagedAgentsModelConfigParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsMultiagent20261001Params;
import com.anthropic.models.beta.agents.BetaManagedAgentsMultiagentAdvisorDisabledParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsMultiagentAdvisorEnabledParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsMultiagentCoordinator;
import com.anthropic.models.beta.agents.BetaManagedAgentsMultiagentCoordinatorParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsMultiagentSelfParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsMultiagentSubagentsEnabledParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsSessionThreadAgent;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsAdvisorParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsAgentParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import dev.agentry.core.Roster;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** A coordinator's roster through the official Java SDK: resolution, refusals, session pinning. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RosterSdkTest {
  @TempDir static Path dataRoot;
  TestServer server;
  AnthropicClient client;

  @BeforeAll
  void start() {
    server = new TestServer(dataRoot.resolve("roster"), null);
    client = server.sdk();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private BetaManagedAgentsAgent agent(String name, Consumer<AgentCreateParams.Builder> more) {
    AgentCreateParams.Builder b =
        AgentCreateParams.builder()
            .name(name)
            .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
            .system("You are " + name + ".");
    more.accept(b);
    return client.beta().agents().create(b.build());
  }

  private BetaManagedAgentsAgent agent(String name) {
    return agent(name, b -> {});
  }

  private BetaManagedAgentsAgent coordinator(
      String name, Consumer<BetaManagedAgentsMultiagentCoordinatorParams.Builder> roster) {
    var r = BetaManagedAgentsMultiagentCoordinatorParams.builder();
    roster.accept(r);
    return agent(name, b -> b.multiagent(r.build()));
  }

  private static BetaManagedAgentsAgentParams ref(String id, Integer version) {
    var b = BetaManagedAgentsAgentParams.builder().id(id);
    if (version != null) {
      b.version(version);
    }
    return b.build();
  }

  private static BetaManagedAgentsMultiagentSelfParams self() {
    return BetaManagedAgentsMultiagentSelfParams.builder().build();
  }

  private static List<BetaManagedAgentsAgentReference> refs(BetaManagedAgentsAgent a) {
    BetaManagedAgentsMultiagentCoordinator c = a.multiagent().orElseThrow().asCoordinator();
    return c.agents().stream().map(e -> e.asAgent()).toList();
  }

  private BetaManagedAgentsSession session(String agentId) {
    var env =
        client
            .beta()
            .environments()
            .create(
                EnvironmentCreateParams.builder()
                    .name("env-" + agentId + "-" + System.nanoTime())
                    .build());
    return client
        .beta()
        .sessions()
        .create(SessionCreateParams.builder().agent(agentId).environmentId(env.id()).build());
  }

  private void refused(Runnable call, String... messageParts) {
    var thrown = assertThatThrownBy(call::run).isInstanceOf(BadRequestException.class);
    for (String part : messageParts) {
      thrown.hasMessageContaining(part);
    }
  }

  @Test
  void eachEntryForm_resolvesToPinnedReferences() {
    var writer = agent("writer");
    client
        .beta()
        .agents()
        .update(writer.id(), AgentUpdateParams.builder().version(1).system("v2").build());
    var checker = agent("checker");

    var lead =
        coordinator(
            "lead", r -> r.addAgent(writer.id()).addAgent(ref(checker.id(), 1)).addAgent(self()));

    assertThat(refs(lead))
        .extracting(BetaManagedAgentsAgentReference::id, BetaManagedAgentsAgentReference::version)
        .containsExactly(tuple(writer.id(), 2), tuple(checker.id(), 1), tuple(lead.id(), 1));
    // Retrieved, the roster reads the same; updating a member does not move the pinned version.
    client
        .beta()
        .agents()
        .update(writer.id(), AgentUpdateParams.builder().version(2).system("v3").build());
    assertThat(refs(client.beta().agents().retrieve(lead.id())).get(0).version()).isEqualTo(2);
  }

  @Test
  void aResponseSentBack_keepsTheSelfEntry() {
    var member = agent("member-rt");
    var lead = coordinator("lead-rt", r -> r.addAgent(member.id()).addAgent(self()));
    // The client sends the roster as it read it: the reference to the coordinator is its self.
    var updated =
        client
            .beta()
            .agents()
            .update(
                lead.id(),
                AgentUpdateParams.builder()
                    .multiagent(
                        BetaManagedAgentsMultiagentCoordinatorParams.builder()
                            .addAgent(ref(member.id(), 1))
                            .addAgent(ref(lead.id(), 1))
                            .build())
                    .system("changed")
                    .build());
    assertThat(refs(updated).get(1).id()).isEqualTo(lead.id());
    assertThat(refs(updated).get(1).version()).isEqualTo(updated.version());
    var stored = server.server.store().agents().find(lead.id()).orElseThrow();
    assertThat(stored.spec().multiagent().get("agents").get(1).get("type").asText())
        .isEqualTo("self");
  }

  @Test
  void badRosters_are400NamingTheEntry() {
    var member = agent("member");
    var twin1 = agent("twin");
    var twin2 = agent("twin");
    var nested = coordinator("nested", r -> r.addAgent(member.id()));
    var gone = agent("gone");
    client.beta().agents().archive(gone.id());

    refused(
        () -> agent("empty", b -> b.coordinatorMultiagent(List.of())),
        "multiagent.agents",
        "1 to 20");
    refused(
        () -> coordinator("many", r -> Collections.nCopies(21, member.id()).forEach(r::addAgent)),
        "multiagent.agents",
        "not 21");
    refused(
        () -> coordinator("dup", r -> r.addAgent(twin1.id()).addAgent(twin2.id())),
        "multiagent.agents[1]",
        "'twin'");
    refused(
        () -> coordinator("member", r -> r.addAgent(member.id()).addAgent(self())),
        "multiagent.agents[1]",
        "'member'");
    refused(
        () -> coordinator("deep", r -> r.addAgent(member.id()).addAgent(nested.id())),
        "multiagent.agents[1]",
        "one level deep");
    refused(
        () -> coordinator("selves", r -> r.addAgent(self()).addAgent(self())),
        "multiagent.agents[1]",
        "at most one");
    refused(
        () ->
            coordinator(
                "unknown",
                r -> r.addAgent(member.id()).addAgent(twin1.id()).addAgent("agent_nope")),
        "multiagent.agents[2]",
        "no agent agent_nope");
    refused(
        () -> coordinator("old", r -> r.addAgent(ref(member.id(), 9))),
        "multiagent.agents[0]",
        "version 9");
    refused(
        () -> coordinator("archived", r -> r.addAgent(gone.id())),
        "multiagent.agents[0]",
        "archived");
  }

  @Test
  void inferenceGeo_mustMatchAcrossTheRoster() {
    var eu = agent("eu-member", b -> b.model(geo("eu")));
    var plain = agent("plain-member");
    refused(
        () ->
            agent(
                "us-lead",
                b ->
                    b.model(geo("us"))
                        .multiagent(
                            BetaManagedAgentsMultiagentCoordinatorParams.builder()
                                .addAgent(eu.id())
                                .build())),
        "multiagent.agents[0]",
        "inference_geo",
        "'eu'",
        "'us'");
    var euLead =
        agent(
            "eu-lead",
            b ->
                b.model(geo("eu"))
                    .multiagent(
                        BetaManagedAgentsMultiagentCoordinatorParams.builder()
                            .addAgent(eu.id())
                            .build()));
    assertThat(refs(euLead)).hasSize(1);
    // Changing only the coordinator's model re-checks the stored roster.
    refused(
        () ->
            client
                .beta()
                .agents()
                .update(
                    euLead.id(),
                    AgentUpdateParams.builder()
                        .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                        .build()),
        "multiagent.agents[0]",
        "unset");
    var unsetLead = coordinator("unset-lead", r -> r.addAgent(plain.id()));
    assertThat(refs(unsetLead)).hasSize(1);
  }

  private static BetaManagedAgentsModelConfigParams geo(String geo) {
    return BetaManagedAgentsModelConfigParams.builder()
        .id("claude-sonnet-4-6")
        .inferenceGeo(geo)
        .build();
  }

  @Test
  void theHostedAdvisor_isRefusedAndNeverStored() {
    var member = agent("adv-member");
    long before = client.beta().agents().list().autoPager().stream().count();
    refused(
        () ->
            coordinator(
                "with-advisor",
                r ->
                    r.addAgent(member.id())
                        .addAgent(BetaManagedAgentsAdvisorParams.of("claude-opus-4-1"))),
        "multiagent.agents[1]");
    refused(
        () ->
            agent(
                "newer-advisor",
                b ->
                    b.multiagent(
                        BetaManagedAgentsMultiagent20261001Params.builder()
                            .advisor(
                                BetaManagedAgentsMultiagentAdvisorEnabledParams.of(
                                    "claude-opus-4-1"))
                            .build())),
        "multiagent.advisor");
    assertThat(client.beta().agents().list().autoPager().stream().count()).isEqualTo(before);

    var raw =
        server.call(
            "POST",
            "/v1/agents",
            "{\"name\":\"x\",\"model\":\"claude-sonnet-4-6\",\"multiagent\":{\"type\":\"coordinator\","
                + "\"agents\":[{\"type\":\"advisor\",\"model\":\"claude-opus-4-1\"}]}}");
    assertThat(raw.statusCode()).isEqualTo(400);
    assertThat(raw.body())
        .contains("\"type\":\"invalid_request_error\"")
        .contains("unsupported_feature")
        .contains("multiagent.agents[0]");
    var workflows =
        server.call(
            "POST",
            "/v1/agents",
            "{\"name\":\"x\",\"model\":\"claude-sonnet-4-6\",\"multiagent\":{\"type\":\"multiagent_20261001\","
                + "\"workflows\":{\"type\":\"enabled\",\"predefined_agents\":[\""
                + member.id()
                + "\"]}}}");
    assertThat(workflows.statusCode()).isEqualTo(400);
    assertThat(workflows.body()).contains("unsupported_feature").contains("multiagent.workflows");
  }

  @Test
  void theNewerForm_mapsPredefinedSubagentsOntoTheRoster() {
    var member = agent("sub-member");
    var lead =
        agent(
            "newer-lead",
            b ->
                b.multiagent(
                    BetaManagedAgentsMultiagent20261001Params.builder()
                        .advisor(BetaManagedAgentsMultiagentAdvisorDisabledParams.builder().build())
                        .subagents(
                            BetaManagedAgentsMultiagentSubagentsEnabledParams.builder()
                                .addPredefinedAgent(member.id())
                                .addPredefinedAgent(self())
                                .build())
                        .build()));
    var newer = lead.multiagent().orElseThrow().asMultiagent20261001();
    assertThat(newer.advisor().isDisabled()).isTrue();
    assertThat(newer.workflows().isDisabled()).isTrue();
    var predefined = newer.subagents().asEnabled().predefinedAgents();
    assertThat(predefined)
        .extracting(BetaManagedAgentsAgentReference::id)
        .containsExactly(member.id(), lead.id());
    assertThat(predefined.get(0).version()).isEqualTo(1);

    // An update merges section by section: setting the advisor keeps the subagents.
    var updated =
        client
            .beta()
            .agents()
            .update(
                lead.id(),
                AgentUpdateParams.builder()
                    .multiagent(
                        BetaManagedAgentsMultiagent20261001Params.builder()
                            .advisor(
                                BetaManagedAgentsMultiagentAdvisorDisabledParams.builder().build())
                            .build())
                    .build());
    assertThat(updated.multiagent().orElseThrow().asMultiagent20261001().subagents().isEnabled())
        .isTrue();

    var session = session(lead.id());
    var stored = server.server.store().sessions().find(session.id()).orElseThrow();
    assertThat(Roster.of(stored.agent()).orElseThrow().members())
        .extracting(Roster.Member::name, Roster.Member::self)
        .containsExactly(tuple("sub-member", false), tuple("newer-lead", true));
  }

  @Test
  void aSession_expandsAndPinsItsMembers() {
    var member = agent("analyst", b -> b.description("Reads numbers").system("You analyse."));
    var lead = coordinator("chief", r -> r.addAgent(member.id()).addAgent(self()));
    var session = session(lead.id());

    var entries = session.agent().multiagent().orElseThrow().asCoordinator().agents();
    assertThat(entries).hasSize(2);
    BetaManagedAgentsSessionThreadAgent expanded = entries.get(0).asAgent();
    assertThat(expanded.id()).isEqualTo(member.id());
    assertThat(expanded.version()).isEqualTo(1);
    assertThat(expanded.name()).isEqualTo("analyst");
    assertThat(expanded.system()).contains("You analyse.");
    assertThat(expanded.description()).contains("Reads numbers");
    assertThat(expanded.model().id().asString()).isEqualTo("claude-sonnet-4-6");
    BetaManagedAgentsSessionThreadAgent selfCopy = entries.get(1).asAgent();
    assertThat(selfCopy.id()).isEqualTo(lead.id());
    assertThat(selfCopy.name()).isEqualTo("chief");

    // The member changes after the session was created: the session keeps the version it had.
    client
        .beta()
        .agents()
        .update(member.id(), AgentUpdateParams.builder().version(1).system("You guess.").build());
    var reread = client.beta().sessions().retrieve(session.id());
    assertThat(
            reread
                .agent()
                .multiagent()
                .orElseThrow()
                .asCoordinator()
                .agents()
                .get(0)
                .asAgent()
                .system())
        .contains("You analyse.");
    var stored = server.server.store().sessions().find(session.id()).orElseThrow();
    Roster roster = Roster.of(stored.agent()).orElseThrow();
    assertThat(roster.member("analyst").orElseThrow().agent().spec().system())
        .isEqualTo("You analyse.");
    assertThat(roster.member("chief").orElseThrow().self()).isTrue();
    assertThat(roster.member("chief").orElseThrow().agent().spec().multiagent()).isNull();

    // A member archived since the coordinator was saved stops new sessions, naming the entry.
    client.beta().agents().archive(member.id());
    refused(() -> session(lead.id()), lead.id(), "multiagent.agents[0]", "archived");
  }
}
