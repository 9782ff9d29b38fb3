package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A session's list cost prices each thread's tokens at that thread's model (docs/decisions/0033): a
 * coordinator on Sonnet ($3 per million input tokens) delegating to a member on Haiku ($1).
 */
class MultiAgentCostTest extends FakeModelServerTestBase {
  @BeforeAll
  static void sdk() {
    MultiAgentEndToEndTest.client = server.sdk();
  }

  @Test
  void sessionListCost_pricesTheMembersTokensAtItsOwnModel() throws Exception {
    String cheap =
        BadInputTest.id(
            server.call(
                "POST", "/v1/agents", "{\"name\":\"cheap\",\"model\":\"claude-haiku-4-5\"}"));
    fake.enqueueFor(
        MultiAgentEndToEndTest::byCoordinator,
        FakeAnthropic.toolUse("send_to_agent", MultiAgentEndToEndTest.send("cheap", "tally"))
            .usage(1_000_000, 0),
        FakeAnthropic.text("asked").usage(0, 0),
        FakeAnthropic.text("done").usage(0, 0));
    fake.enqueueFor(
        MultiAgentEndToEndTest::byMember,
        FakeAnthropic.text("tallied").usage(1_000_000, 0).delay(Duration.ofMillis(300)));
    String session = MultiAgentEndToEndTest.coordinatorSession("lead", "[]", "[\"" + cheap + "\"]");
    MultiAgentEndToEndTest.say(session, "tally it");
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> MultiAgentEndToEndTest.raw("/v1/sessions/" + session + "/events"),
            l -> MultiAgentControlTest.ofType(l, "session.status_idle").size() == 1);

    JsonNode s = Json.mapper().readTree(server.call("GET", "/v1/sessions/" + session, null).body());
    // (the fake reports a few tokens of its own for a reply without usage)
    assertThat(s.at("/usage/input_tokens").asLong()).isBetween(2_000_000L, 2_000_100L);
    // 300 cents for the coordinator's million, 100 for the member's; not 600 at Sonnet's price.
    assertThat(s.at("/usage/list_cost/amount").asText()).isEqualTo("400");
    JsonNode threads =
        Json.mapper()
            .readTree(server.call("GET", "/v1/sessions/" + session + "/threads", null).body())
            .get("data");
    assertThat(threads.get(1).at("/usage/list_cost/amount").asText()).isEqualTo("100");
  }
}
