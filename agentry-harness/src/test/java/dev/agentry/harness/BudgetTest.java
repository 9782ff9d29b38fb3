package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.SessionBudget;
import dev.agentry.core.SessionStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The budget stop: checked before each model request, the model is not called. */
class BudgetTest extends HarnessTestBase {
  @Override
  HarnessConfig config() {
    // Each FakeModel answer uses 10 + 5 tokens.
    return super.config().withSpend(new SpendLimits(PriceTable.defaults(), 15, 0));
  }

  @Test
  void tokenCap_stopsTheTurnBeforeTheNextModelRequest() {
    model.thenTool("bash", "{\"command\":\"ls\"}").thenText("never asked");
    say("list files");
    awaitIdles(1);
    assertThat(model.requests).hasSize(1);
    assertThat(types())
        .containsExactly(
            "user.message",
            "session.status_running",
            "span.model_request_start",
            "agent.tool_use",
            "span.model_request_end",
            "session.usage",
            "agent.tool_result",
            "session.usage",
            "session.status_idle");
    var usage = Events.payload(ofType("session.usage").get(0));
    assertThat(usage.at("/usage/input_tokens").asLong()).isEqualTo(10);
    assertThat(usage.at("/usage/output_tokens").asLong()).isEqualTo(5);
    assertThat(usage.at("/usage/list_cost/currency").asText()).isEqualTo("USD");
    assertThat(usage.has("budget")).isFalse();
    assertThat(Events.payload(ofType("session.usage").get(1)).at("/stop_reason/type").asText())
        .isEqualTo("budget_reached");
    assertThat(Events.payload(ofType("session.status_idle").get(0)).toString())
        .isEqualTo("{\"stop_reason\":{\"type\":\"budget_reached\"},\"stop_details\":null}");
    assertThat(stored().status()).isEqualTo(SessionStatus.IDLE);
    golden("budget");
  }

  @Test
  void budgetReached_beforeTheFirstRequest_thenRaised_runs() {
    // claude-test has no price: its list cost stays 0, so a budget of 0 is reached at once.
    store
        .sessions()
        .update(sessionId, s -> s.withBudget(SessionBudget.limit("0", "USD"), Instant.now()));
    model.thenText("not yet");
    say("hi");
    awaitIdles(1);
    assertThat(model.requests).isEmpty();
    assertThat(types())
        .containsExactly(
            "user.message", "session.status_running", "session.usage", "session.status_idle");
    assertThat(
            Events.payload(ofType("session.usage").get(0))
                .at("/budget/max_list_cost/amount")
                .asText())
        .isEqualTo("0");
    assertThat(
            Events.payload(ofType("session.status_idle").get(0)).at("/stop_reason/type").asText())
        .isEqualTo("budget_reached");

    store
        .sessions()
        .update(sessionId, s -> s.withBudget(SessionBudget.limit("100", "USD"), Instant.now()));
    say("again");
    awaitIdles(2);
    assertThat(model.requests).hasSize(1);
    assertThat(ofType("session.status_idle").get(1).payload()).contains("end_turn");
    assertThat(Events.payload(ofType("agent.message").get(0)).toString()).contains("not yet");
  }
}
