package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.EventDraft;
import dev.agentry.core.ModelException;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.StoredEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Outcomes in the loop, against the fake model (the server's tests drive them through the SDK). */
class OutcomeTest extends HarnessTestBase {
  static final String DEFINE =
      "{\"outcome_id\":\"outc_1\",\"description\":\"Write a haiku.\","
          + "\"rubric\":{\"type\":\"text\",\"content\":\"Three lines.\"},\"max_iterations\":3}";

  static String verdict(String result, String explanation) {
    return "{\"result\":\"" + result + "\",\"explanation\":\"" + explanation + "\"}";
  }

  JsonNode lastEnd() {
    return Events.payload(ofType("span.outcome_evaluation_end").getLast());
  }

  @Test
  void crashMidEvaluation_theNextRunGradesAgain_withoutAskingTheAgentAgain() {
    Instant now = Instant.now();
    List<StoredEvent> crashed =
        store
            .events()
            .append(
                sessionId,
                List.of(
                    EventDraft.of("user.define_outcome", DEFINE, now),
                    EventDraft.of("session.status_running", "{}", now),
                    EventDraft.of("span.model_request_start", "{}", now),
                    EventDraft.of(
                        "agent.message",
                        "{\"content\":[{\"type\":\"text\",\"text\":\"old pond\"}]}",
                        now),
                    EventDraft.of(
                        "span.model_request_end",
                        "{\"model_request_start_id\":\"x\",\"is_error\":false}",
                        now),
                    EventDraft.of(
                        "span.outcome_evaluation_start",
                        "{\"outcome_id\":\"outc_1\",\"iteration\":0}",
                        now),
                    EventDraft.of(
                        "span.outcome_evaluation_ongoing",
                        "{\"outcome_id\":\"outc_1\",\"iteration\":0}",
                        now)));
    store.sessions().update(sessionId, s -> s.withStatus(SessionStatus.RUNNING, now));
    model.thenTool(Grader.TOOL, verdict("satisfied", "three lines"));
    harness.recover();
    awaitIdles(1);

    assertThat(model.requests).hasSize(1);
    assertThat(model.requests.getFirst().system()).isEqualTo(Grader.SYSTEM);
    assertThat(model.requests.getFirst().model()).isEqualTo("claude-test"); // the agent's model
    assertThat(model.requests.getFirst().messages().toString()).contains("old pond");
    assertThat(ofType("span.outcome_evaluation_end")).hasSize(1);
    JsonNode end = lastEnd();
    assertThat(end.path("outcome_evaluation_start_id").asText()).isEqualTo(crashed.get(5).id());
    assertThat(end.path("result").asText()).isEqualTo("satisfied");
    assertThat(end.path("iteration").asInt()).isZero();
    assertThat(end.path("usage").path("input_tokens").asLong()).isEqualTo(10);
    assertThat(stored().usage().inputTokens()).isEqualTo(10); // the grader's tokens count
  }

  @Test
  void aGraderThatGivesNoVerdict_failsTheEvaluation_andTheSessionIdles() {
    model.thenText("a haiku").thenText("Looks fine to me.");
    appendProcessed("user.define_outcome", DEFINE);
    awaitIdles(1);

    JsonNode end = lastEnd();
    assertThat(end.path("result").asText()).isEqualTo("failed");
    assertThat(end.path("explanation").asText()).contains("did not call submit_evaluation");
    assertThat(types())
        .endsWith("span.outcome_evaluation_end", "session.usage", "session.status_idle");
    assertThat(model.requests).hasSize(2);
  }

  @Test
  void aGraderVerdictOutsideTheSchema_failsTheEvaluation() {
    model.thenText("a haiku").thenTool(Grader.TOOL, verdict("great", "x"));
    appendProcessed("user.define_outcome", DEFINE);
    awaitIdles(1);
    assertThat(lastEnd().path("result").asText()).isEqualTo("failed");
  }

  @Test
  void aGraderModelError_failsTheEvaluation_namingTheError() {
    model
        .thenText("a haiku")
        .thenThrow(new ModelException("invalid_request_error", "bad model", false, 400, null));
    appendProcessed("user.define_outcome", DEFINE);
    awaitIdles(1);
    JsonNode end = lastEnd();
    assertThat(end.path("result").asText()).isEqualTo("failed");
    assertThat(end.path("explanation").asText()).contains("invalid_request_error");
  }

  @Test
  void aTurnThatFails_endsTheOutcomeWithoutAnEvaluation_soAnotherMayBeDefined() {
    for (int i = 0; i < 3; i++) {
      model.thenThrow(new ModelException("overloaded_error", "busy", true, 529, null));
    }
    appendProcessed("user.define_outcome", DEFINE);
    awaitIdles(1);
    assertThat(ofType("span.outcome_evaluation_start")).isEmpty();
    LogState s = LogState.fold(log());
    assertThat(s.outcome.active()).isFalse();
  }

  @Test
  void theAgentSeesTheTask_andTheGraderSeesNeitherTheAgentsSystemPromptNorItsTools() {
    model.thenText("a haiku").thenTool(Grader.TOOL, verdict("satisfied", "ok"));
    appendProcessed("user.define_outcome", DEFINE);
    awaitIdles(1);
    var agent = model.requests.get(0);
    assertThat(agent.messages().toString()).contains("Write a haiku.").contains("Three lines.");
    var grader = model.requests.get(1);
    assertThat(grader.system()).doesNotContain("You are a test.");
    assertThat(grader.tools()).extracting(t -> t.name()).containsExactly(Grader.TOOL);
    await().atMost(Duration.ofSeconds(5)).until(() -> stored().status() == SessionStatus.IDLE);
  }
}
