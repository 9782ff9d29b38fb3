package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Usage, list cost and budgets through the real server. Each fake answer uses 100,000 input and
 * 10,000 output tokens of claude-sonnet-4-6: $0.30 + $0.15 = 45 cents at the default list prices.
 */
class BudgetEndToEndTest extends FakeModelServerTestBase {
  static final String WEATHER_TOOL =
      "[{\"type\":\"custom\",\"name\":\"get_weather\",\"description\":\"weather\","
          + "\"input_schema\":{\"type\":\"object\",\"properties\":{}}}]";

  static String agent(String tools) throws Exception {
    return BadInputTest.id(
        server.call(
            "POST",
            "/v1/agents",
            "{\"name\":\"b\",\"model\":\"claude-sonnet-4-6\",\"tools\":" + tools + "}"));
  }

  static HttpResponse<String> createSession(String agentId, String budget) {
    return server.call(
        "POST",
        "/v1/sessions",
        "{\"agent\":\""
            + agentId
            + "\",\"environment_id\":\""
            + envId
            + "\""
            + (budget == null ? "" : ",\"budget\":" + budget)
            + "}");
  }

  static String budget(String amount) {
    return "{\"type\":\"limit\",\"max_list_cost\":{\"amount\":\""
        + amount
        + "\",\"currency\":\"USD\"}}";
  }

  static HttpResponse<String> say(String session, String text) {
    return server.call(
        "POST",
        "/v1/sessions/" + session + "/events",
        "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\""
            + text
            + "\"}]}]}");
  }

  static JsonNode get(String session) throws Exception {
    return Json.mapper().readTree(server.call("GET", "/v1/sessions/" + session, null).body());
  }

  static List<JsonNode> events(String session) throws Exception {
    var body =
        Json.mapper()
            .readTree(server.call("GET", "/v1/sessions/" + session + "/events", null).body());
    List<JsonNode> out = new ArrayList<>();
    body.get("data").forEach(out::add);
    return out;
  }

  static List<JsonNode> awaitIdle(String session, int count) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      List<JsonNode> log = events(session);
      if (log.stream().filter(e -> e.get("type").asText().equals("session.status_idle")).count()
              >= count
          && get(session).get("status").asText().equals("idle")) {
        return log;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("session did not go idle: " + events(session));
  }

  static List<JsonNode> ofType(List<JsonNode> log, String type) {
    return log.stream().filter(e -> e.get("type").asText().equals(type)).toList();
  }

  @Test
  void overBudget_refusesTheNextMessage_untilTheBudgetIsRaised() throws Exception {
    String session = BadInputTest.id(createSession(agent("[]"), budget("40")));
    JsonNode created = get(session);
    assertThat(created.at("/budget/type").asText()).isEqualTo("limit");
    assertThat(created.at("/budget/max_list_cost/amount").asText()).isEqualTo("40");
    assertThat(created.at("/usage/list_cost/amount").asText()).isEqualTo("0");
    assertThat(created.at("/usage/list_cost/currency").asText()).isEqualTo("USD");

    // The first turn starts under the budget and runs.
    fake.enqueue(FakeAnthropic.text("First.").usage(100_000, 10_000));
    assertThat(say(session, "one").statusCode()).isEqualTo(200);
    List<JsonNode> log = awaitIdle(session, 1);
    JsonNode usage = ofType(log, "session.usage").getLast();
    assertThat(usage.at("/usage/input_tokens").asLong()).isEqualTo(100_000);
    assertThat(usage.at("/usage/output_tokens").asLong()).isEqualTo(10_000);
    assertThat(usage.at("/usage/list_cost/amount").asText()).isEqualTo("45");
    assertThat(usage.at("/budget/max_list_cost/amount").asText()).isEqualTo("40");
    assertThat(ofType(log, "session.status_idle").getLast().at("/stop_reason/type").asText())
        .isEqualTo("end_turn");
    JsonNode after = get(session);
    assertThat(after.at("/usage/list_cost/amount").asText()).isEqualTo("45");
    assertThat(after.at("/usage/active_seconds").isNumber()).isTrue();
    assertThat(after.at("/stats/active_seconds").isNumber()).isTrue();

    // Now at 45 of 40 cents: a new message is refused.
    HttpResponse<String> refused = say(session, "two");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("budget_reached").contains("budget.max_list_cost.amount");
    // An interrupt is a settle event: still accepted.
    assertThat(
            server
                .call(
                    "POST",
                    "/v1/sessions/" + session + "/events",
                    "{\"events\":[{\"type\":\"user.interrupt\"}]}")
                .statusCode())
        .isEqualTo(200);

    // Raising the budget lets the next message run.
    HttpResponse<String> raised =
        server.call("POST", "/v1/sessions/" + session, "{\"budget\":" + budget("1000") + "}");
    assertThat(raised.statusCode()).as(raised.body()).isEqualTo(200);
    assertThat(Json.mapper().readTree(raised.body()).at("/budget/max_list_cost/amount").asText())
        .isEqualTo("1000");
    fake.enqueue(FakeAnthropic.text("Second.").usage(100_000, 10_000));
    assertThat(say(session, "two").statusCode()).isEqualTo(200);
    log = awaitIdle(session, 2);
    assertThat(ofType(log, "session.usage").getLast().at("/usage/list_cost/amount").asText())
        .isEqualTo("90");
    assertThat(ofType(log, "session.updated")).hasSize(1);

    // Removing the budget: null; it cannot be added back.
    JsonNode removed =
        Json.mapper()
            .readTree(server.call("POST", "/v1/sessions/" + session, "{\"budget\":null}").body());
    assertThat(removed.get("budget").isNull()).isTrue();
    HttpResponse<String> readd =
        server.call("POST", "/v1/sessions/" + session, "{\"budget\":" + budget("5") + "}");
    assertThat(readd.statusCode()).isEqualTo(400);
    assertThat(readd.body()).contains("budget");
  }

  @Test
  void budgetReachedMidTurn_stopsBeforeTheNextModelRequest() throws Exception {
    String session = BadInputTest.id(createSession(agent(WEATHER_TOOL), budget("40")));
    fake.enqueue(FakeAnthropic.toolUse("get_weather", "{}").usage(100_000, 10_000));
    int base = fake.requests().size();
    assertThat(say(session, "weather?").statusCode()).isEqualTo(200);
    List<JsonNode> log = awaitIdle(session, 1);
    JsonNode use = ofType(log, "agent.custom_tool_use").getFirst();
    // Over budget, the custom tool's result still settles the call...
    HttpResponse<String> settled =
        server.call(
            "POST",
            "/v1/sessions/" + session + "/events",
            "{\"events\":[{\"type\":\"user.custom_tool_result\",\"custom_tool_use_id\":\""
                + use.get("id").asText()
                + "\",\"content\":[{\"type\":\"text\",\"text\":\"3C\"}]}]}");
    assertThat(settled.statusCode()).as(settled.body()).isEqualTo(200);
    // ...but the model is not asked again.
    log = awaitIdle(session, 2);
    JsonNode idle = ofType(log, "session.status_idle").getLast();
    assertThat(idle.at("/stop_reason/type").asText()).isEqualTo("budget_reached");
    assertThat(idle.get("stop_details").isNull()).isTrue();
    List<String> types = log.stream().map(e -> e.get("type").asText()).toList();
    assertThat(types.subList(types.size() - 2, types.size()))
        .containsExactly("session.usage", "session.status_idle");
    assertThat(fake.requests().size()).isEqualTo(base + 1);
  }

  @Test
  void badBudgets_areRefusedNamingTheField() throws Exception {
    String agentId = agent("[]");
    for (String bad :
        List.of(
            budget("-1"),
            budget("1.5"),
            budget(""),
            "{\"type\":\"limit\",\"max_list_cost\":{\"amount\":25,\"currency\":\"USD\"}}")) {
      HttpResponse<String> r = createSession(agentId, bad);
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(r.body()).contains("budget.max_list_cost.amount");
    }
    HttpResponse<String> eur =
        createSession(
            agentId,
            "{\"type\":\"limit\",\"max_list_cost\":{\"amount\":\"5\",\"currency\":\"EUR\"}}");
    assertThat(eur.statusCode()).isEqualTo(400);
    assertThat(eur.body()).contains("budget.max_list_cost.currency");

    String plain = BadInputTest.id(createSession(agentId, null));
    assertThat(get(plain).get("budget").isNull()).isTrue();
    HttpResponse<String> added =
        server.call("POST", "/v1/sessions/" + plain, "{\"budget\":" + budget("5") + "}");
    assertThat(added.statusCode()).isEqualTo(400);
    assertThat(added.body()).contains("cannot be added after");
  }
}
