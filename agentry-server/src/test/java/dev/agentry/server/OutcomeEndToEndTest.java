package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.errors.BadRequestException;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.files.FileUploadParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsOutcomeEvaluationResource;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsSessionEvent;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsSpanOutcomeEvaluationEndEvent;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserDefineOutcomeEventParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserInterruptEventParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserMessageEventParams;
import com.anthropic.models.beta.sessions.events.EventListParams;
import com.anthropic.models.beta.sessions.events.EventSendParams;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.testkit.FakeAnthropic;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outcomes through the official Java SDK (docs/decisions/0043): a {@code user.define_outcome}
 * starts the agent's work by itself; the fake Anthropic endpoint plays both the agent and the
 * grader, which answers by calling {@code submit_evaluation}. The grader runs on {@code
 * AGENTRY_GRADER_MODEL} here, so its requests are told apart from the agent's by their model.
 */
class OutcomeEndToEndTest {
  static final String AGENT_MODEL = "claude-sonnet-4-6";
  static final String GRADER_MODEL = "claude-haiku-4-5";
  static final String RUBRIC = "The poem has a title line and exactly four lines after it.";

  @TempDir static Path dataDir;
  static FakeAnthropic fake;
  static TestServer server;
  static AnthropicClient client;

  @BeforeAll
  static void start() {
    fake = FakeAnthropic.start();
    server =
        new TestServer(
            dataDir,
            null,
            Map.of(
                "ANTHROPIC_BASE_URL",
                fake.baseUrl(),
                "ANTHROPIC_API_KEY",
                "sk-ant-outcomes",
                "AGENTRY_GRADER_MODEL",
                GRADER_MODEL,
                "AGENTRY_OUTCOME_HEARTBEAT_MS",
                "100"));
    client = server.sdk();
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
  }

  private int base;

  @BeforeEach
  void mark() {
    base = fake.requests().size();
  }

  static String newSession() {
    return newSession(null);
  }

  /** A new session, with {@code initial} as its initial event if not null. */
  static String newSession(BetaManagedAgentsUserDefineOutcomeEventParams initial) {
    String agentId =
        client
            .beta()
            .agents()
            .create(
                AgentCreateParams.builder()
                    .name("poet")
                    .model(BetaManagedAgentsModel.of(AGENT_MODEL))
                    .build())
            .id();
    String envId =
        client
            .beta()
            .environments()
            .create(EnvironmentCreateParams.builder().name("o-" + System.nanoTime()).build())
            .id();
    var params = SessionCreateParams.builder().agent(agentId).environmentId(envId);
    if (initial != null) {
      params.addInitialEvent(initial);
    }
    return client.beta().sessions().create(params.build()).id();
  }

  static BetaManagedAgentsUserDefineOutcomeEventParams outcome(Integer maxIterations) {
    var b =
        BetaManagedAgentsUserDefineOutcomeEventParams.builder()
            .description("Write a short poem about the sea.")
            .textRubric(RUBRIC);
    if (maxIterations != null) {
      b.maxIterations(maxIterations);
    }
    return b.build();
  }

  static void send(String session, BetaManagedAgentsUserDefineOutcomeEventParams e) {
    client.beta().sessions().events().send(session, EventSendParams.builder().addEvent(e).build());
  }

  static List<BetaManagedAgentsSessionEvent> events(String session) {
    return client
        .beta()
        .sessions()
        .events()
        .list(session, EventListParams.builder().limit(1000).build())
        .data();
  }

  static List<BetaManagedAgentsSessionEvent> await(
      String session, Predicate<List<BetaManagedAgentsSessionEvent>> done) {
    return Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(25))
        .until(() -> events(session), done);
  }

  static boolean idleAfterEnd(List<BetaManagedAgentsSessionEvent> log, int ends) {
    return ends(log).size() >= ends && log.getLast().isSessionStatusIdle();
  }

  static List<BetaManagedAgentsSpanOutcomeEvaluationEndEvent> ends(
      List<BetaManagedAgentsSessionEvent> log) {
    return log.stream()
        .filter(BetaManagedAgentsSessionEvent::isSpanOutcomeEvaluationEnd)
        .map(BetaManagedAgentsSessionEvent::asSpanOutcomeEvaluationEnd)
        .toList();
  }

  /** The log's event types, in order, as the wire has them. */
  static List<String> types(String session) {
    try {
      JsonNode body =
          dev.agentry.core.Json.mapper()
              .readTree(
                  server
                      .call("GET", "/v1/sessions/" + session + "/events?limit=1000", null)
                      .body());
      List<String> out = new java.util.ArrayList<>();
      body.get("data").forEach(e -> out.add(e.get("type").asText()));
      return out;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static FakeAnthropic.Reply verdict(String result, String explanation) {
    return FakeAnthropic.toolUse(
        "submit_evaluation",
        "{\"result\":\"" + result + "\",\"explanation\":\"" + explanation + "\"}");
  }

  /** The requests since the test began that the grader made (its model is the grader's). */
  List<JsonNode> graderRequests() {
    return fake.requests().subList(base, fake.requests().size()).stream()
        .map(FakeAnthropic.RecordedRequest::body)
        .filter(b -> b.path("model").asText().equals(GRADER_MODEL))
        .toList();
  }

  List<JsonNode> agentRequests() {
    return fake.requests().subList(base, fake.requests().size()).stream()
        .map(FakeAnthropic.RecordedRequest::body)
        .filter(b -> b.path("model").asText().equals(AGENT_MODEL))
        .toList();
  }

  @Test
  void needsRevisionThenSatisfied_theAgentRevisesOnTheGradersExplanation_andTheSessionIdles() {
    fake.enqueue(
        FakeAnthropic.Reply.of(
                FakeAnthropic.thinkingBlock("SECRET-REASONING about waves", "sig"),
                FakeAnthropic.textBlock("Waves roll in."))
            .usage(100, 10),
        verdict("needs_revision", "Missing the title line.").usage(40, 4),
        FakeAnthropic.text("The Sea\\nline1\\nline2\\nline3\\nline4").usage(200, 20),
        verdict("satisfied", "Title and four lines: every criterion is met.").usage(50, 5));
    String session = newSession();
    send(session, outcome(null)); // no user.message: the outcome starts the work by itself

    List<BetaManagedAgentsSessionEvent> log = await(session, l -> idleAfterEnd(l, 2));
    List<String> types = types(session);
    assertThat(types)
        .containsSubsequence(
            "user.define_outcome",
            "session.status_running",
            "agent.message",
            "span.outcome_evaluation_start",
            "span.outcome_evaluation_ongoing",
            "span.outcome_evaluation_end",
            "agent.message",
            "span.outcome_evaluation_start",
            "span.outcome_evaluation_ongoing",
            "span.outcome_evaluation_end",
            "session.status_idle");
    assertThat(types.stream().filter("session.status_idle"::equals)).hasSize(1);
    String outcomeId =
        log.stream()
            .filter(BetaManagedAgentsSessionEvent::isUserDefineOutcome)
            .findFirst()
            .orElseThrow()
            .asUserDefineOutcome()
            .outcomeId();
    var ends = ends(log);
    assertThat(ends).extracting(e -> e.result()).containsExactly("needs_revision", "satisfied");
    assertThat(ends).extracting(e -> e.iteration()).containsExactly(0, 1);
    assertThat(ends).allSatisfy(e -> assertThat(e.outcomeId()).isEqualTo(outcomeId));
    var starts =
        log.stream()
            .filter(BetaManagedAgentsSessionEvent::isSpanOutcomeEvaluationStart)
            .map(BetaManagedAgentsSessionEvent::asSpanOutcomeEvaluationStart)
            .toList();
    assertThat(starts).extracting(s -> s.iteration()).containsExactly(0, 1);
    assertThat(ends.get(0).outcomeEvaluationStartId()).isEqualTo(starts.get(0).id());
    assertThat(ends.get(0).usage().inputTokens()).isEqualTo(40);
    assertThat(ends.get(1).usage().outputTokens()).isEqualTo(5);

    // The agent got the task and rubric, then the grader's explanation as its next input.
    List<JsonNode> agent = agentRequests();
    assertThat(agent).hasSize(2);
    assertThat(agent.get(0).path("messages").toString())
        .contains("Write a short poem about the sea.")
        .contains(RUBRIC);
    assertThat(agent.get(1).path("messages").toString()).contains("Missing the title line.");

    // The grader: a separate context with the rubric and the work, never the agent's reasoning.
    List<JsonNode> grader = graderRequests();
    assertThat(grader).hasSize(2);
    assertThat(grader.get(0).path("messages")).hasSize(1);
    assertThat(grader.get(0).path("messages").toString())
        .contains(RUBRIC)
        .contains("Waves roll in.")
        .doesNotContain("SECRET-REASONING");
    assertThat(grader.get(0).path("tools").toString()).contains("submit_evaluation");
    assertThat(grader.get(1).path("messages").toString()).contains("The Sea");

    // The session records each evaluation, and its usage counts the grader's tokens.
    var session1 = client.beta().sessions().retrieve(session);
    List<BetaManagedAgentsOutcomeEvaluationResource> evaluations = session1.outcomeEvaluations();
    assertThat(evaluations)
        .extracting(e -> e.result())
        .containsExactly("needs_revision", "satisfied");
    assertThat(evaluations).extracting(e -> e.iteration()).containsExactly(0, 1);
    assertThat(evaluations.getFirst().description()).isEqualTo("Write a short poem about the sea.");
    assertThat(evaluations.getFirst().explanation()).contains("Missing the title line.");
    assertThat(evaluations.getLast().completedAt()).isPresent();
    assertThat(session1.usage().inputTokens()).contains(100L + 40 + 200 + 50);
    assertThat(session1.usage().outputTokens()).contains(10L + 4 + 20 + 5);
    assertThat(session1.status().asString()).isEqualTo("idle");
  }

  @Test
  void maxIterationsReached_afterTheLastEvaluation_oneFinalRevision_thenIdle() {
    fake.enqueue(
        FakeAnthropic.text("Waves."),
        verdict("needs_revision", "Too short."),
        FakeAnthropic.text("Final revision."));
    String session = newSession();
    send(session, outcome(1));

    List<BetaManagedAgentsSessionEvent> log = await(session, l -> idleAfterEnd(l, 1));
    var ends = ends(log);
    assertThat(ends).extracting(e -> e.result()).containsExactly("max_iterations_reached");
    List<String> types = types(session);
    assertThat(types.subList(types.indexOf("span.outcome_evaluation_end"), types.size()))
        .contains("agent.message")
        .doesNotContain("span.outcome_evaluation_start")
        .endsWith("session.status_idle");
    assertThat(graderRequests()).hasSize(1);
    assertThat(agentRequests()).hasSize(2);
    assertThat(agentRequests().get(1).path("messages").toString()).contains("Too short.");
    assertThat(client.beta().sessions().retrieve(session).outcomeEvaluations())
        .extracting(e -> e.result())
        .containsExactly("max_iterations_reached");
  }

  @Test
  void interruptMidEvaluation_endsItAsInterrupted_andAnotherOutcomeMayFollow() {
    fake.enqueue(
        FakeAnthropic.text("Waves."),
        verdict("satisfied", "never read").delay(Duration.ofSeconds(3)));
    String session = newSession();
    send(session, outcome(null));
    // Heartbeats arrive while the grader works.
    await(
        session,
        l ->
            l.stream().filter(BetaManagedAgentsSessionEvent::isSpanOutcomeEvaluationOngoing).count()
                >= 2);
    client
        .beta()
        .sessions()
        .events()
        .send(
            session,
            EventSendParams.builder()
                .addEvent(BetaManagedAgentsUserInterruptEventParams.builder().build())
                .build());
    List<BetaManagedAgentsSessionEvent> log = await(session, l -> idleAfterEnd(l, 1));
    var end = ends(log).getFirst();
    assertThat(end.result()).isEqualTo("interrupted");
    assertThat(end.iteration()).isZero();
    assertThat(log.getLast().asSessionStatusIdle().stopReason().isEndTurn()).isTrue();
    assertThat(client.beta().sessions().retrieve(session).outcomeEvaluations())
        .extracting(e -> e.result())
        .containsExactly("interrupted");

    // The interrupted outcome is over: a new one is accepted and graded.
    fake.enqueue(FakeAnthropic.text("Again."), verdict("satisfied", "ok"));
    send(session, outcome(null));
    log = await(session, l -> idleAfterEnd(l, 2));
    assertThat(ends(log)).extracting(e -> e.result()).containsExactly("interrupted", "satisfied");
  }

  @Test
  void aUserMessageMidOutcome_steersTheWork_andTheOutcomeStaysActive() {
    fake.enqueue(
        FakeAnthropic.text("Waves.").delay(Duration.ofMillis(800)),
        FakeAnthropic.text("Waves, about storms."),
        verdict("satisfied", "ok"));
    String session = newSession();
    send(session, outcome(null));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> agentRequests().size() == 1);
    // While an outcome is active, a second one is refused, naming it.
    assertThatThrownBy(() -> send(session, outcome(null)))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("events[0].type")
        .hasMessageContaining("outcome is already active");
    client
        .beta()
        .sessions()
        .events()
        .send(
            session,
            EventSendParams.builder()
                .addEvent(
                    BetaManagedAgentsUserMessageEventParams.builder()
                        .addTextContent("Make it about storms.")
                        .build())
                .build());
    List<BetaManagedAgentsSessionEvent> log = await(session, l -> idleAfterEnd(l, 1));
    assertThat(ends(log)).extracting(e -> e.result()).containsExactly("satisfied");
    assertThat(agentRequests().getLast().path("messages").toString())
        .contains("Make it about storms.");
    assertThat(graderRequests().getFirst().path("messages").toString())
        .contains("Make it about storms.")
        .contains("Waves, about storms.");
  }

  @Test
  void aFileRubric_isReadForTheGrader_andHeldFromTheAgent(@TempDir Path uploads) throws Exception {
    Path rubricFile = uploads.resolve("rubric.md");
    java.nio.file.Files.writeString(rubricFile, "FILE-RUBRIC: the poem rhymes.");
    String fileId =
        client.beta().files().upload(FileUploadParams.builder().file(rubricFile).build()).id();
    fake.enqueue(FakeAnthropic.text("Sea, me."), verdict("satisfied", "it rhymes"));
    String session = newSession();
    send(
        session,
        BetaManagedAgentsUserDefineOutcomeEventParams.builder()
            .description("Write a rhyming couplet.")
            .fileRubric(fileId)
            .build());
    List<BetaManagedAgentsSessionEvent> log = await(session, l -> idleAfterEnd(l, 1));
    assertThat(ends(log)).extracting(e -> e.result()).containsExactly("satisfied");
    assertThat(graderRequests().getFirst().path("messages").toString())
        .contains("FILE-RUBRIC: the poem rhymes.");
    assertThat(agentRequests().getFirst().path("messages").toString())
        .contains("Write a rhyming couplet.")
        .doesNotContain("FILE-RUBRIC");
  }

  @Test
  void anOutcomeAmongInitialEvents_startsTheSessionsWorkAtCreation() {
    fake.enqueue(FakeAnthropic.text("Waves."), verdict("satisfied", "ok"));
    String session = newSession(outcome(2));
    List<BetaManagedAgentsSessionEvent> log = await(session, l -> idleAfterEnd(l, 1));
    assertThat(ends(log)).extracting(e -> e.result()).containsExactly("satisfied");
    assertThat(agentRequests()).hasSize(1);
  }

  @Test
  void badOutcomes_areRefusedNamingTheField() {
    String session = newSession();
    for (int bad : new int[] {0, 21}) {
      assertThatThrownBy(() -> send(session, outcome(bad)))
          .isInstanceOf(BadRequestException.class)
          .hasMessageContaining("events[0].max_iterations");
    }
    assertThatThrownBy(
            () ->
                send(
                    session,
                    BetaManagedAgentsUserDefineOutcomeEventParams.builder()
                        .description("d")
                        .fileRubric("file_doesnotexist")
                        .build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("events[0].rubric.file_id");
    // Two in one request: the second is refused, and nothing of the request is kept.
    assertThatThrownBy(
            () ->
                client
                    .beta()
                    .sessions()
                    .events()
                    .send(
                        session,
                        EventSendParams.builder()
                            .addEvent(outcome(null))
                            .addEvent(outcome(null))
                            .build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("events[1].type");
    assertThat(events(session)).isEmpty();
    // The same rules for a session's initial events.
    assertThatThrownBy(
            () ->
                newSession(
                    BetaManagedAgentsUserDefineOutcomeEventParams.builder()
                        .description("d")
                        .fileRubric("file_doesnotexist")
                        .build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("initial_events[0].rubric.file_id");
  }
}
