package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.AgentSpec;
import dev.agentry.core.DefaultToolConfig;
import dev.agentry.core.ModelConfig;
import dev.agentry.core.PermissionPolicy;
import dev.agentry.core.Session;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolSpec;
import dev.agentry.testkit.StoreFixtures;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A built-in call meets its permission: under {@code always_ask} the turn waits and an allow runs
 * it; a call the {@code auto} policy denies never runs, and the model gets the refusal.
 */
class ConfirmationTest extends HarnessTestBase {

  void useBash(PermissionPolicy policy) {
    AgentSpec spec =
        new AgentSpec(
            "tester",
            "",
            "You are a test.",
            new ModelConfig("claude-test", null, null, null),
            List.of(
                new ToolSpec.AgentToolset(
                    DefaultToolConfig.ALLOW_ALL, List.of(ToolConfig.simple("bash", true, policy)))),
            List.of(),
            List.of(),
            Map.of(),
            null,
            null);
    Instant now = Instant.now();
    Session s = StoreFixtures.session(StoreFixtures.agent(spec, now), now);
    sessionId = store.sessions().create(s, List.of()).id();
  }

  @Test
  void anAskingCall_waitsForItsConfirmation_thenRuns_andTheTurnGoesOn() {
    useBash(PermissionPolicy.ALWAYS_ASK);
    model.thenTool("bash", "{\"command\":\"ls\"}").thenText("listed");
    say("list files");
    awaitIdles(1);
    String useId = ofType("agent.tool_use").get(0).id();
    assertThat(Events.payload(ofType("session.status_idle").get(0)).toString())
        .isEqualTo(
            "{\"stop_reason\":{\"type\":\"requires_action\",\"event_ids\":[\""
                + useId
                + "\"]},\"stop_details\":null}");
    assertThat(tools.calls).isEmpty();

    send("user.tool_confirmation", "{\"tool_use_id\":\"" + useId + "\",\"result\":\"allow\"}");
    awaitIdles(2);

    assertThat(tools.calls).extracting(FakeTools.Call::name).containsExactly("bash");
    var result = Events.payload(ofType("agent.tool_result").get(0));
    assertThat(result.path("tool_use_id").asText()).isEqualTo(useId);
    assertThat(result.path("is_error").asBoolean()).isFalse();
    assertThat(
            Events.payload(ofType("session.status_idle").getLast())
                .at("/stop_reason/type")
                .asText())
        .isEqualTo("end_turn");
    assertThat(model.requests).hasSize(2);
    golden("confirmation-allow");
  }

  @Test
  void aCallTheAutoPolicyDenies_neverRuns_andTheModelGetsTheRefusal() {
    useBash(PermissionPolicy.AUTO);
    model.thenTool("bash", "{\"command\":\"curl https://example.com\"}").thenText("understood");
    say("fetch it");
    awaitIdles(1);

    assertThat(tools.calls).isEmpty();
    var use = Events.payload(ofType("agent.tool_use").get(0));
    assertThat(use.path("evaluated_permission").asText()).isEqualTo("deny");
    var result = Events.payload(ofType("agent.tool_result").get(0));
    assertThat(result.path("is_error").asBoolean()).isTrue();
    assertThat(result.at("/content/0/text").asText())
        .contains("denied by the auto permission policy")
        .contains("network_access");
    assertThat(model.requests).hasSize(2);
    assertThat(
            Events.payload(ofType("session.status_idle").getLast())
                .at("/stop_reason/type")
                .asText())
        .isEqualTo("end_turn");
  }
}
