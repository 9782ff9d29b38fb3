package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.JsonValue;
import com.anthropic.models.beta.agents.BetaManagedAgentsCustomToolInputSchema;
import com.anthropic.models.beta.agents.BetaManagedAgentsCustomToolParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.sessions.BetaManagedAgentsAgentWithOverridesParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSessionAgentUpdate;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.SessionUpdateParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsSystemMessageEventParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserMessageEventParams;
import com.anthropic.models.beta.sessions.events.EventSendParams;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code system.message} and per-session agents through the official Java SDK, with the model on
 * the fake Anthropic endpoint or a fake OpenAI-compatible one (docs/decisions/0042).
 */
class SessionInputsEndToEndTest {
  static final String NOTE = "<system_message>\nReply in French.\n</system_message>";

  @TempDir static Path dataDir;
  static FakeAnthropic fake;
  static FakeChatCompletions openai;
  static TestServer server;
  static AnthropicClient client;
  static String envId;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeAnthropic.start();
    openai = FakeChatCompletions.start();
    server =
        new TestServer(
            dataDir,
            null,
            Map.of(
                "ANTHROPIC_BASE_URL",
                fake.baseUrl(),
                "ANTHROPIC_API_KEY",
                "sk-ant-inputs",
                "OPENAI_BASE_URL",
                openai.baseUrl(),
                "OPENAI_API_KEY",
                "sk-openai-inputs"));
    client = server.sdk();
    envId = BadInputTest.id(server.call("POST", "/v1/environments", "{\"name\":\"inputs\"}"));
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
    openai.close();
  }

  // ------------------------------------------------------------------ system.message

  @Test
  void systemMessage_isInTheNextAnthropicRequest_asAUserTurnBlock_andMarkedProcessed()
      throws Exception {
    String session = session(agent("{\"name\":\"sys-a\",\"model\":\"claude-sonnet-4-6\"}"));
    int before = fake.requests().size();
    fake.enqueue(FakeAnthropic.text("d'accord"));
    sayWithSystemMessage(session);
    awaitIdles(session, 1);

    JsonNode body = fake.requests().get(before).body();
    JsonNode last = body.get("messages").get(body.get("messages").size() - 1);
    assertThat(last.path("role").asText()).isEqualTo("user");
    assertThat(texts(last.get("content"))).containsExactly("bonjour", NOTE);
    assertThat(body.path("system").toString()).doesNotContain("Reply in French");
    assertProcessed(session);
  }

  @Test
  void systemMessage_isInTheNextOpenAiCompatibleRequest_asAUserMessage_andMarkedProcessed()
      throws Exception {
    String session = session(agent("{\"name\":\"sys-o\",\"model\":\"openai/gpt-4o-mini\"}"));
    int before = openai.bodies.size();
    sayWithSystemMessage(session);
    awaitIdles(session, 1);

    JsonNode messages = openai.bodies.get(before).get("messages");
    JsonNode last = messages.get(messages.size() - 1);
    assertThat(last.path("role").asText()).isEqualTo("user");
    // the client sends a user turn's text parts as one string
    assertThat(String.join("\n\n", texts(last.get("content")))).isEqualTo("bonjour\n\n" + NOTE);
    for (int i = 1; i < messages.size(); i++) {
      assertThat(messages.get(i).path("role").asText()).as("message %d", i).isNotEqualTo("system");
    }
    assertProcessed(session);
  }

  // ------------------------------------------------------------------ per-session agents

  @Test
  void agentWithOverrides_isTheSessionsSnapshot_andTheModelRequest_andLeavesTheAgentAlone()
      throws Exception {
    String agent =
        agent(
            "{\"name\":\"base\",\"model\":\"claude-sonnet-4-6\",\"system\":\"Base prompt.\","
                + "\"tools\":["
                + customJson("alpha")
                + "]}");
    BetaManagedAgentsSession created =
        client
            .beta()
            .sessions()
            .create(
                SessionCreateParams.builder()
                    .agent(
                        BetaManagedAgentsAgentWithOverridesParams.builder()
                            .id(agent)
                            .model(BetaManagedAgentsModel.of("claude-opus-4-6"))
                            .system("Overridden prompt.")
                            .addTool(custom("beta"))
                            .build())
                    .environmentId(envId)
                    .build());
    var snapshot = client.beta().sessions().retrieve(created.id()).agent();
    assertThat(snapshot.id()).isEqualTo(agent);
    assertThat(snapshot.version()).isEqualTo(1);
    assertThat(snapshot.system()).contains("Overridden prompt.");
    assertThat(snapshot.model().id().asString()).isEqualTo("claude-opus-4-6");
    assertThat(snapshot.model().effort().orElseThrow().type().asString()).isEqualTo("high");
    assertThat(toolNames(created.id())).containsExactly("beta");

    int before = fake.requests().size();
    fake.enqueue(FakeAnthropic.text("done"));
    say(created.id(), "go");
    awaitIdles(created.id(), 1);
    JsonNode body = fake.requests().get(before).body();
    assertThat(body.path("model").asText()).isEqualTo("claude-opus-4-6");
    assertThat(body.get("system").toString()).contains("Overridden prompt.").doesNotContain("Base");
    assertThat(requestToolNames(body)).contains("beta").doesNotContain("alpha");

    JsonNode stored = json(server.call("GET", "/v1/agents/" + agent, null));
    assertThat(stored.path("system").asText()).isEqualTo("Base prompt.");
    assertThat(stored.path("version").asInt()).isEqualTo(1);
  }

  @Test
  void sessionLocalTools_replaceTheSnapshotsTools_emitSessionUpdated_andReachTheNextRequest()
      throws Exception {
    String agent =
        agent(
            "{\"name\":\"local\",\"model\":\"claude-sonnet-4-6\",\"tools\":["
                + customJson("alpha")
                + "]}");
    String session = session(agent);
    BetaManagedAgentsSession updated =
        client
            .beta()
            .sessions()
            .update(
                session,
                SessionUpdateParams.builder()
                    .agent(
                        BetaManagedAgentsSessionAgentUpdate.builder()
                            .addTool(custom("gamma"))
                            .build())
                    .build());
    assertThat(updated.agent().tools()).hasSize(1);
    assertThat(toolNames(session)).containsExactly("gamma");
    JsonNode change = ofType(session, "session.updated").getFirst();
    assertThat(change.path("agent").path("tools").get(0).path("name").asText()).isEqualTo("gamma");

    int before = fake.requests().size();
    fake.enqueue(FakeAnthropic.text("done"));
    say(session, "go");
    awaitIdles(session, 1);
    JsonNode body = fake.requests().get(before).body();
    assertThat(requestToolNames(body)).contains("gamma").doesNotContain("alpha");
    assertThat(
            json(server.call("GET", "/v1/agents/" + agent, null))
                .path("tools")
                .get(0)
                .path("name")
                .asText())
        .isEqualTo("alpha");
  }

  @Test
  void sessionLocalAgentChange_whileRunning_is409_andChangesNothing() throws Exception {
    String session = session(agent("{\"name\":\"busy\",\"model\":\"claude-sonnet-4-6\"}"));
    fake.enqueue(FakeAnthropic.text("slow").delay(Duration.ofSeconds(2)));
    say(session, "take your time");
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                json(server.call("GET", "/v1/sessions/" + session, null))
                    .path("status")
                    .asText()
                    .equals("running"));
    var refused =
        server.call(
            "POST",
            "/v1/sessions/" + session,
            "{\"agent\":{\"tools\":[" + customJson("gamma") + "]}}");
    BadInputTest.assertError(refused, 409, "invalid_request_error", "running", "idle");
    awaitIdles(session, 1);
    assertThat(toolNames(session)).isEmpty();
    assertThat(ofType(session, "session.updated")).isEmpty();
  }

  @Test
  void aCoordinatorWithOverrides_keepsItsExpandedRoster() throws Exception {
    String member = agent("{\"name\":\"member\",\"model\":\"claude-sonnet-4-6\"}");
    String lead =
        agent(
            "{\"name\":\"lead\",\"model\":\"claude-sonnet-4-6\",\"multiagent\":"
                + "{\"type\":\"coordinator\",\"agents\":[\""
                + member
                + "\"]}}");
    JsonNode created =
        json(
            server.call(
                "POST",
                "/v1/sessions",
                "{\"environment_id\":\""
                    + envId
                    + "\",\"agent\":{\"type\":\"agent_with_overrides\",\"id\":\""
                    + lead
                    + "\",\"system\":\"Lead, overridden.\"}}"));
    JsonNode snapshot = created.path("agent");
    assertThat(snapshot.path("system").asText()).isEqualTo("Lead, overridden.");
    assertThat(snapshot.path("multiagent").path("agents").get(0).path("name").asText())
        .isEqualTo("member");
  }

  @Test
  void badOverridesAndLocalChanges_are400sNamingTheField() throws Exception {
    String agent = agent("{\"name\":\"bad\",\"model\":\"claude-sonnet-4-6\"}");
    String prefix =
        "{\"environment_id\":\""
            + envId
            + "\",\"agent\":{\"type\":\"agent_with_overrides\",\"id\":\""
            + agent
            + "\",";
    BadInputTest.assertError(
        server.call("POST", "/v1/sessions", prefix + "\"name\":\"x\"}}"),
        400,
        "invalid_request_error",
        "agent.name: unknown field");
    BadInputTest.assertError(
        server.call("POST", "/v1/sessions", prefix + "\"model\":\"gpt-4o\"}}"),
        400,
        "invalid_request_error",
        "agent.model: 'gpt-4o' is not a model id");
    BadInputTest.assertError(
        server.call(
            "POST",
            "/v1/sessions",
            prefix + "\"tools\":[{\"type\":\"mcp_toolset\",\"mcp_server_name\":\"gh\"}]}}"),
        400,
        "invalid_request_error",
        "agent.tools[0].mcp_server_name");
    BadInputTest.assertError(
        server.call("POST", "/v1/sessions", prefix + "\"skills\":[{\"type\":\"custom\"}]}}"),
        400,
        "invalid_request_error",
        "agent.skills[0].skill_id: is required");
    BadInputTest.assertError(
        server.call("POST", "/v1/sessions", prefix + "\"system\":7}}"),
        400,
        "invalid_request_error",
        "agent.system: must be a string");

    String session = session(agent);
    BadInputTest.assertError(
        server.call("POST", "/v1/sessions/" + session, "{\"agent\":{\"system\":\"x\"}}"),
        400,
        "invalid_request_error",
        "agent.system: unknown field");
    BadInputTest.assertError(
        server.call("POST", "/v1/sessions/" + session, "{\"agent\":{\"tools\":{}}}"),
        400,
        "invalid_request_error",
        "agent.tools: must be an array");
    BadInputTest.assertError(
        server.call("POST", "/v1/sessions/" + session, "{\"agent\":null}"),
        400,
        "invalid_request_error",
        "agent: must be an object");
    BadInputTest.assertError(
        server.call(
            "POST",
            "/v1/sessions/" + session,
            "{\"agent\":{\"mcp_servers\":[{\"type\":\"url\",\"name\":\"gh\","
                + "\"url\":\"https://example.com/mcp\"}]}}"),
        400,
        "invalid_request_error",
        "agent.mcp_servers[0]: 'gh' is not referenced by any mcp_toolset");
    assertThat(ofType(session, "session.updated")).isEmpty();
  }

  // ------------------------------------------------------------------ helpers

  static String agent(String body) throws Exception {
    return BadInputTest.id(server.call("POST", "/v1/agents", body));
  }

  static String session(String agentId) {
    return client
        .beta()
        .sessions()
        .create(SessionCreateParams.builder().agent(agentId).environmentId(envId).build())
        .id();
  }

  static String customJson(String name) {
    return "{\"type\":\"custom\",\"name\":\""
        + name
        + "\",\"description\":\"d\",\"input_schema\":{\"type\":\"object\"}}";
  }

  static BetaManagedAgentsCustomToolParams custom(String name) {
    return BetaManagedAgentsCustomToolParams.builder()
        .name(name)
        .description("d")
        .inputSchema(
            BetaManagedAgentsCustomToolInputSchema.builder().type(JsonValue.from("object")).build())
        .type(JsonValue.from("custom"))
        .build();
  }

  static void say(String session, String text) {
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
  }

  static void sayWithSystemMessage(String session) {
    client
        .beta()
        .sessions()
        .events()
        .send(
            session,
            EventSendParams.builder()
                .addEvent(
                    BetaManagedAgentsUserMessageEventParams.builder()
                        .addTextContent("bonjour")
                        .build())
                .addEvent(
                    BetaManagedAgentsSystemMessageEventParams.builder()
                        .addTextContent("Reply in French.")
                        .build())
                .build());
  }

  static void assertProcessed(String session) {
    var events = client.beta().sessions().events().list(session).items();
    var system =
        events.stream().filter(e -> e.isSystemMessage()).map(e -> e.asSystemMessage()).toList();
    assertThat(system).hasSize(1);
    assertThat(system.getFirst()._processedAt().asKnown()).isPresent();
  }

  static JsonNode json(java.net.http.HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body());
  }

  static List<JsonNode> ofType(String session, String type) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    json(server.call("GET", "/v1/sessions/" + session + "/events?limit=1000", null))
        .get("data")
        .forEach(
            e -> {
              if (e.path("type").asText().equals(type)) {
                out.add(e);
              }
            });
    return out;
  }

  static void awaitIdles(String session, int n) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                ofType(session, "session.status_idle").size() >= n
                    && json(server.call("GET", "/v1/sessions/" + session, null))
                        .path("status")
                        .asText()
                        .equals("idle"));
  }

  static List<String> toolNames(String session) throws Exception {
    List<String> out = new ArrayList<>();
    json(server.call("GET", "/v1/sessions/" + session, null))
        .path("agent")
        .path("tools")
        .forEach(t -> out.add(t.path("name").asText()));
    return out;
  }

  static List<String> requestToolNames(JsonNode body) {
    List<String> out = new ArrayList<>();
    body.path("tools").forEach(t -> out.add(t.path("name").asText()));
    return out;
  }

  static List<String> texts(JsonNode content) {
    List<String> out = new ArrayList<>();
    if (content.isTextual()) {
      out.add(content.asText());
      return out;
    }
    content.forEach(b -> out.add(b.path("text").asText()));
    return out;
  }
}
