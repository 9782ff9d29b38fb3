package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.testkit.FakeAnthropic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model-agnostic delegation (docs/decisions/0033): a coordinator on Anthropic (the fake endpoint)
 * delegates to a member on another provider (the scripted model), each thread's requests going to
 * its own agent's model.
 */
class MultiAgentProvidersTest {
  @TempDir static Path dataDir;
  static FakeAnthropic fake;
  static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    Path scripts = Files.createDirectories(dataDir.resolve("scripts"));
    Files.writeString(
        scripts.resolve("member.json"),
        "{\"turns\":[{\"content\":[{\"type\":\"text\",\"text\":\"scripted member says hi\"}]}]}");
    fake = FakeAnthropic.start();
    server =
        new TestServer(
            dataDir.resolve("server"),
            null,
            Map.of(
                "ANTHROPIC_BASE_URL",
                fake.baseUrl(),
                "ANTHROPIC_API_KEY",
                "sk-ant-providers",
                "AGENTRY_MODEL_CHECK",
                "form",
                "AGENTRY_SCRIPTS_DIR",
                scripts.toString()));
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
  }

  static List<JsonNode> events(String session) throws Exception {
    var r = server.call("GET", "/v1/sessions/" + session + "/events", null);
    List<JsonNode> out = new java.util.ArrayList<>();
    dev.agentry.core.Json.mapper().readTree(r.body()).get("data").forEach(out::add);
    return out;
  }

  @Test
  void aCoordinatorOnAnthropic_delegatesToAMemberOnTheScriptedModel() throws Exception {
    Path script = dataDir.resolve("scripts").resolve("member.json");
    String member =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"scribe\",\"model\":\"scripted:" + script + "\"}"));
    String lead =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"lead\",\"model\":\"claude-sonnet-4-6\",\"multiagent\":"
                    + "{\"type\":\"coordinator\",\"agents\":[\""
                    + member
                    + "\"]}}"));
    String env = BadInputTest.id(server.call("POST", "/v1/environments", "{\"name\":\"p\"}"));
    String session =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/sessions",
                "{\"agent\":\"" + lead + "\",\"environment_id\":\"" + env + "\"}"));
    fake.enqueue(
        FakeAnthropic.toolUse("send_to_agent", MultiAgentEndToEndTest.send("scribe", "hello")),
        FakeAnthropic.text("asked the scribe"),
        FakeAnthropic.text("the scribe said hi"));
    var said =
        server.call(
            "POST",
            "/v1/sessions/" + session + "/events",
            "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\"go\"}]}]}");
    assertThat(said.statusCode()).as(said.body()).isEqualTo(200);
    List<JsonNode> log =
        Awaitility.await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () -> events(session),
                l -> !MultiAgentControlTest.ofType(l, "session.status_idle").isEmpty());
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
    assertThat(
            MultiAgentControlTest.ofType(log, "agent.thread_message_received")
                .getFirst()
                .toString())
        .contains("scripted member says hi");
    // Only the coordinator's three requests reached Anthropic; the member's went to its script.
    assertThat(fake.requests()).hasSize(3);
    assertThat(fake.requests()).allMatch(r -> r.body().toString().contains("claude-sonnet-4-6"));
  }
}
