package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Agentry usage report ({@code /v1/agentry/usage}). Only {@link #totalsAndRows_addUp} makes
 * sessions in the default workspace; the other tests use their own workspace. Prices: sonnet 4 is
 * $3/$15 and haiku 4 $1/$5 per million input/output tokens.
 */
class UsageReportTest extends FakeModelServerTestBase {

  static String agent(String name, String model) throws Exception {
    return BadInputTest.id(
        server.call(
            "POST", "/v1/agents", "{\"name\":\"" + name + "\",\"model\":\"" + model + "\"}"));
  }

  /** A session of {@code agentId} that ran one turn of {@code in}/{@code out} tokens. */
  static JsonNode run(String agentId, long in, long out) throws Exception {
    String id = BadInputTest.id(BudgetEndToEndTest.createSession(agentId, null));
    fake.enqueue(FakeAnthropic.text("ok").usage(in, out));
    assertThat(BudgetEndToEndTest.say(id, "go").statusCode()).isEqualTo(200);
    BudgetEndToEndTest.awaitIdle(id, 1);
    Thread.sleep(5); // distinct created_at for the time filters
    return BudgetEndToEndTest.get(id);
  }

  static JsonNode report(String query) throws Exception {
    HttpResponse<String> r = server.call("GET", "/v1/agentry/usage" + query, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode n = Json.mapper().readTree(r.body());
    assertThat(n.get("type").asText()).isEqualTo("usage_report");
    return n;
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static List<JsonNode> rows(JsonNode report) {
    List<JsonNode> out = new ArrayList<>();
    report.get("rows").forEach(out::add);
    return out;
  }

  @Test
  void totalsAndRows_addUp_andTimeFiltersSelectByCreation() throws Exception {
    String alpha = agent("alpha", "claude-sonnet-4-6");
    String beta = agent("beta", "claude-haiku-4-5");
    JsonNode s1 = run(alpha, 100_000, 10_000); // 30 + 15 = 45 cents
    JsonNode s2 = run(alpha, 200_000, 0); // 60 cents
    JsonNode s3 = run(beta, 100_000, 20_000); // 10 + 10 = 20 cents
    // Archived sessions still count.
    assertThat(
            server
                .call("POST", "/v1/sessions/" + s2.get("id").asText() + "/archive", "{}")
                .statusCode())
        .isEqualTo(200);

    JsonNode all = report("");
    assertThat(all.get("group_by").asText()).isEqualTo("none");
    assertThat(all.get("from").isNull()).isTrue();
    assertThat(all.get("to").isNull()).isTrue();
    JsonNode t = all.get("totals");
    assertThat(t.get("input_tokens").asLong()).isEqualTo(400_000);
    assertThat(t.get("output_tokens").asLong()).isEqualTo(30_000);
    assertThat(t.get("cache_read_input_tokens").asLong()).isZero();
    assertThat(t.get("cache_creation_input_tokens").asLong()).isZero();
    assertThat(t.get("session_count").asLong()).isEqualTo(3);
    assertThat(t.get("active_seconds").isNumber()).isTrue();
    assertThat(t.at("/list_cost/amount").asText()).isEqualTo("125");
    assertThat(t.at("/list_cost/currency").asText()).isEqualTo("USD");
    assertThat(all.get("rows")).isEmpty();

    JsonNode byAgent = report("?group_by=agent");
    assertThat(byAgent.get("totals")).isEqualTo(t);
    List<JsonNode> agents = rows(byAgent);
    assertThat(agents).hasSize(2);
    JsonNode a =
        agents.stream()
            .filter(r -> r.get("agent_id").asText().equals(alpha))
            .findFirst()
            .orElseThrow();
    JsonNode b =
        agents.stream()
            .filter(r -> r.get("agent_id").asText().equals(beta))
            .findFirst()
            .orElseThrow();
    assertThat(a.get("agent_name").asText()).isEqualTo("alpha");
    assertThat(a.get("input_tokens").asLong()).isEqualTo(300_000);
    assertThat(a.get("output_tokens").asLong()).isEqualTo(10_000);
    assertThat(a.get("session_count").asLong()).isEqualTo(2);
    assertThat(a.at("/list_cost/amount").asText()).isEqualTo("105");
    assertThat(b.get("agent_name").asText()).isEqualTo("beta");
    assertThat(b.get("input_tokens").asLong()).isEqualTo(100_000);
    assertThat(b.get("output_tokens").asLong()).isEqualTo(20_000);
    assertThat(b.get("session_count").asLong()).isEqualTo(1);
    assertThat(b.at("/list_cost/amount").asText()).isEqualTo("20");
    assertThat(a.get("active_seconds").asDouble() + b.get("active_seconds").asDouble())
        .isCloseTo(t.get("active_seconds").asDouble(), org.assertj.core.data.Offset.offset(1e-9));

    JsonNode bySession = report("?group_by=session");
    List<JsonNode> sessions = rows(bySession);
    assertThat(sessions).hasSize(3);
    long in = 0;
    long cost = 0;
    for (JsonNode row : sessions) {
      JsonNode view = BudgetEndToEndTest.get(row.get("session_id").asText());
      assertThat(row.at("/list_cost/amount").asText())
          .isEqualTo(view.at("/usage/list_cost/amount").asText());
      assertThat(row.get("input_tokens").asLong())
          .isEqualTo(view.at("/usage/input_tokens").asLong());
      assertThat(row.get("session_count").asLong()).isEqualTo(1);
      in += row.get("input_tokens").asLong();
      cost += row.at("/list_cost/amount").asLong();
    }
    assertThat(in).isEqualTo(400_000);
    assertThat(cost).isEqualTo(125);

    // [from, to): from is inclusive, to exclusive.
    String c2 = s2.get("created_at").asText();
    String c3 = s3.get("created_at").asText();
    JsonNode since3 = report("?from=" + enc(c3));
    assertThat(since3.at("/totals/session_count").asLong()).isEqualTo(1);
    assertThat(since3.at("/totals/list_cost/amount").asText()).isEqualTo("20");
    assertThat(since3.get("from").asText()).isEqualTo(c3);
    JsonNode before3 = report("?to=" + enc(c3) + "&group_by=session");
    assertThat(before3.at("/totals/session_count").asLong()).isEqualTo(2);
    assertThat(rows(before3).stream().map(r -> r.get("session_id").asText()))
        .containsExactlyInAnyOrder(s1.get("id").asText(), s2.get("id").asText());
    JsonNode only2 = report("?from=" + enc(c2) + "&to=" + enc(c3) + "&group_by=agent");
    assertThat(only2.at("/totals/input_tokens").asLong()).isEqualTo(200_000);
    assertThat(rows(only2)).hasSize(1);
    assertThat(rows(only2).getFirst().get("agent_id").asText()).isEqualTo(alpha);
    assertThat(report("?from=2999-01-01T00:00:00Z").at("/totals/session_count").asLong()).isZero();

    // The per-session snapshot.
    HttpResponse<String> snap =
        server.call("GET", "/v1/agentry/usage/sessions/" + s1.get("id").asText(), null);
    assertThat(snap.statusCode()).as(snap.body()).isEqualTo(200);
    JsonNode u = Json.mapper().readTree(snap.body());
    assertThat(u.get("type").asText()).isEqualTo("session_usage");
    assertThat(u.get("session_id").asText()).isEqualTo(s1.get("id").asText());
    assertThat(u.at("/usage/input_tokens").asLong()).isEqualTo(100_000);
    assertThat(u.at("/usage/list_cost/amount").asText()).isEqualTo("45");
  }

  @Test
  void badParameters_are400_namingTheParameter() throws Exception {
    for (var bad :
        Map.of(
                "?from=yesterday", "from",
                "?to=2026-13-01T00:00:00Z", "to",
                "?group_by=model", "group_by",
                "?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to")
            .entrySet()) {
      HttpResponse<String> r = server.call("GET", "/v1/agentry/usage" + bad.getKey(), null);
      BadInputTest.assertError(r, 400, "invalid_request_error", bad.getValue() + ":");
    }
    BadInputTest.assertError(
        server.call("GET", "/v1/agentry/usage/sessions/sesn_nosuch", null), 404, "not_found_error");
  }

  @Test
  void anotherWorkspacesSession_is404_andNotCounted() throws Exception {
    String keyB = server.createKey("wrkspc_usageB", "admin");
    Map<String, String> asB = Map.of("x-api-key", keyB);
    String agentB =
        BadInputTest.id(
            server.call(
                "POST", "/v1/agents", "{\"name\":\"b\",\"model\":\"claude-sonnet-4-6\"}", asB));
    String envB =
        BadInputTest.id(server.call("POST", "/v1/environments", "{\"name\":\"envB\"}", asB));
    String sessionB =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/sessions",
                "{\"agent\":\"" + agentB + "\",\"environment_id\":\"" + envB + "\"}",
                asB));
    BadInputTest.assertError(
        server.call("GET", "/v1/agentry/usage/sessions/" + sessionB, null), 404, "not_found_error");
    assertThat(server.call("GET", "/v1/agentry/usage/sessions/" + sessionB, null, asB).statusCode())
        .isEqualTo(200);
    JsonNode reportB =
        Json.mapper()
            .readTree(server.call("GET", "/v1/agentry/usage?group_by=session", null, asB).body());
    assertThat(reportB.at("/totals/session_count").asLong()).isEqualTo(1);
    assertThat(rows(reportB).getFirst().get("session_id").asText()).isEqualTo(sessionB);
  }
}
