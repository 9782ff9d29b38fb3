package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.JsonValue;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgentToolset20260401Params;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserMessageEventParams;
import com.anthropic.models.beta.sessions.events.EventSendParams;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session fork through the official Java SDK (the fork itself is a raw request: the SDK does not
 * have it), with a scripted model and real bubblewrap sandboxes: the fork's log is the original's
 * up to the event, it can be sent a message at once, and its workspace is the checkpoint taken at
 * or before that event, not the original's files now.
 */
class SessionForkTest {
  @TempDir Path root;
  private TestServer server;
  private AnthropicClient client;
  private Path script;

  @BeforeEach
  void start() throws IOException {
    Path scripts = Files.createDirectories(root.resolve("scripts"));
    script = scripts.resolve("fork.json");
    // The n-th model request gets turn n, n = the assistant messages it carries: a fork from the
    // first turn's end asks for turn 2, a fork from the second's for turn 4.
    Files.writeString(
        script,
        """
        {"turns":[
          {"content":[{"type":"tool_use","name":"bash","input":{"command":"echo v1 > f.txt"}}]},
          {"content":[{"type":"text","text":"one"}]},
          {"content":[{"type":"tool_use","name":"bash","input":{"command":
            "echo saw-$(cat f.txt); echo v2 > f.txt"}}]},
          {"content":[{"type":"text","text":"two"}]},
          {"content":[{"type":"tool_use","name":"bash","input":{"command":"echo saw-$(cat f.txt)"}}]},
          {"content":[{"type":"text","text":"three"}]}
        ]}
        """);
    server =
        new TestServer(
            root.resolve("data"),
            null,
            Map.of("AGENTRY_MODEL_CHECK", "form", "AGENTRY_SCRIPTS_DIR", scripts.toString()));
    client = server.sdk();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aForkCopiesTheLogUpToTheEvent_takesTheWorkspaceOfThen_andRunsOnItsOwn() throws Exception {
    String original = newSession();
    say(original, "first");
    awaitIdle(original, 1);
    String firstIdle = last(events(original), "session.status_idle").get("id").asText();
    say(original, "second");
    awaitIdle(original, 2);
    assertThat(lastToolResult(original)).contains("saw-v1");
    List<JsonNode> originalLog = events(original);

    // A fork without an event is from the latest one: the second turn's workspace (a fork made
    // as soon as the turn is idle: it checkpoints the idle session first). Then, from the first
    // turn's end: the first turn's checkpoint, not the latest one.
    HttpResponse<String> latest = server.call("POST", "/v1/sessions/" + original + "/fork", null);
    assertThat(latest.statusCode()).as(latest.body()).isEqualTo(200);
    String second = Json.mapper().readTree(latest.body()).get("id").asText();
    assertThat(
            Json.mapper().readTree(latest.body()).get("metadata").get("forked_at_event").asText())
        .isEqualTo(originalLog.getLast().get("id").asText());
    say(second, "once more");
    awaitIdle(second, 3);
    assertThat(lastToolResult(second)).contains("saw-v2");

    HttpResponse<String> forked =
        server.call(
            "POST", "/v1/sessions/" + original + "/fork", "{\"event_id\":\"" + firstIdle + "\"}");
    assertThat(forked.statusCode()).as(forked.body()).isEqualTo(200);
    JsonNode fork = Json.mapper().readTree(forked.body());
    String forkId = fork.get("id").asText();
    assertThat(forkId).isNotEqualTo(original);
    assertThat(fork.get("status").asText()).isEqualTo("idle");
    assertThat(fork.get("metadata").get("forked_from").asText()).isEqualTo(original);
    assertThat(fork.get("metadata").get("forked_at_event").asText()).isEqualTo(firstIdle);

    // The SDK lists the fork's log: the original's through the first idle event, with new ids.
    var listed = client.beta().sessions().events().list(forkId).data();
    List<JsonNode> forkLog = events(forkId);
    int upTo = indexOf(originalLog, firstIdle);
    assertThat(listed).hasSize(upTo + 1);
    assertThat(types(forkLog)).isEqualTo(types(originalLog.subList(0, upTo + 1)));
    assertThat(forkLog.getFirst().get("id").asText())
        .isNotEqualTo(originalLog.getFirst().get("id").asText());
    JsonNode use = last(forkLog, "agent.tool_use");
    assertThat(last(forkLog, "agent.tool_result").get("tool_use_id").asText())
        .as("references between copied events follow the new ids")
        .isEqualTo(use.get("id").asText());

    // Sent a message at once, it runs on the workspace of the end of the first turn.
    say(forkId, "again");
    awaitIdle(forkId, 2);
    assertThat(lastToolResult(forkId)).contains("saw-v1");
    assertThat(events(original)).as("the original is untouched").hasSize(originalLog.size());
  }

  @Test
  void aForkOfAnUnknownSessionIs404_andAnEventOfAnotherSessionIs400NamingEventId()
      throws Exception {
    HttpResponse<String> unknown = server.call("POST", "/v1/sessions/sesn_nope/fork", "{}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("\"type\":\"error\"").contains("not_found_error");

    String a = newSession();
    String b = newSession();
    say(b, "first");
    awaitIdle(b, 1);
    String ofB = events(b).getFirst().get("id").asText();
    say(a, "first");
    awaitIdle(a, 1);
    HttpResponse<String> foreign =
        server.call("POST", "/v1/sessions/" + a + "/fork", "{\"event_id\":\"" + ofB + "\"}");
    assertThat(foreign.statusCode()).isEqualTo(400);
    assertThat(foreign.body()).contains("invalid_request_error").contains("event_id");

    HttpResponse<String> extra =
        server.call("POST", "/v1/sessions/" + a + "/fork", "{\"at\":\"x\"}");
    assertThat(extra.statusCode()).isEqualTo(400);
    assertThat(extra.body()).contains("at:").contains("unsupported_feature");
    HttpResponse<String> badType =
        server.call("POST", "/v1/sessions/" + a + "/fork", "{\"event_id\":7}");
    assertThat(badType.statusCode()).isEqualTo(400);
    assertThat(badType.body()).contains("event_id");
  }

  private String newSession() {
    String agent =
        client
            .beta()
            .agents()
            .create(
                AgentCreateParams.builder()
                    .name("forker")
                    .model(BetaManagedAgentsModel.of("scripted:" + script))
                    .addTool(
                        BetaManagedAgentsAgentToolset20260401Params.builder()
                            .type(JsonValue.from("agent_toolset_20260401"))
                            .build())
                    .build())
            .id();
    String env =
        client
            .beta()
            .environments()
            .create(EnvironmentCreateParams.builder().name("fork-" + System.nanoTime()).build())
            .id();
    return client
        .beta()
        .sessions()
        .create(SessionCreateParams.builder().agent(agent).environmentId(env).build())
        .id();
  }

  private void say(String session, String text) {
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

  private List<JsonNode> events(String session) throws IOException {
    JsonNode body =
        Json.mapper()
            .readTree(
                server.call("GET", "/v1/sessions/" + session + "/events?limit=1000", null).body());
    List<JsonNode> out = new ArrayList<>();
    body.get("data").forEach(out::add);
    return out;
  }

  private void awaitIdle(String session, int messages) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              List<JsonNode> log = events(session);
              return types(log).stream().filter("agent.message"::equals).count() == messages
                  && log.getLast().get("type").asText().equals("session.status_idle");
            });
  }

  private String lastToolResult(String session) throws IOException {
    return last(events(session), "agent.tool_result").toString();
  }

  private static JsonNode last(List<JsonNode> log, String type) {
    return log.stream()
        .filter(e -> e.get("type").asText().equals(type))
        .reduce((x, y) -> y)
        .orElseThrow();
  }

  private static int indexOf(List<JsonNode> log, String id) {
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).get("id").asText().equals(id)) {
        return i;
      }
    }
    throw new AssertionError("no event " + id);
  }

  private static List<String> types(List<JsonNode> log) {
    return log.stream().map(e -> e.get("type").asText()).toList();
  }
}
