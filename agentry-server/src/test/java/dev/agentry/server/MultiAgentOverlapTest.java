package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.testkit.FakeAnthropic;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Member threads step at once, each on its own virtual thread (docs/decisions/0033): two members
 * delegated to in one response have their model requests in flight at the same time, and the
 * coordinator's turn ends with each reply delivered once.
 */
class MultiAgentOverlapTest extends FakeModelServerTestBase {
  private static final Duration SLOW = Duration.ofMillis(1500);

  @BeforeAll
  static void sdk() {
    MultiAgentEndToEndTest.client = server.sdk();
  }

  @Test
  void twoMembersDelegatedAtOnce_haveTheirRequestsInFlightTogether_andReplyOnceEach()
      throws Exception {
    fake.enqueueFor(
        MultiAgentEndToEndTest::byCoordinator,
        FakeAnthropic.Reply.of(
            FakeAnthropic.toolUseBlock(
                "send_to_agent", MultiAgentEndToEndTest.send("pair", "left half")),
            FakeAnthropic.toolUseBlock(
                "send_to_agent", MultiAgentEndToEndTest.send("pair", "right half"))),
        FakeAnthropic.text("both are working"),
        FakeAnthropic.text("got one"),
        FakeAnthropic.text("got both"));
    fake.enqueueFor(
        MultiAgentEndToEndTest::byMember,
        FakeAnthropic.text("half done").delay(SLOW),
        FakeAnthropic.text("half done").delay(SLOW));
    String session =
        MultiAgentEndToEndTest.coordinatorSession("pair", "[]", "[{\"type\":\"self\"}]");
    int base = fake.requests().size();
    MultiAgentEndToEndTest.say(session, "split the work");
    List<JsonNode> log =
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () -> MultiAgentEndToEndTest.raw("/v1/sessions/" + session + "/events"),
                l -> MultiAgentControlTest.ofType(l, "session.status_idle").size() == 1);

    List<FakeAnthropic.RecordedRequest> members =
        fake.requests().subList(base, fake.requests().size()).stream()
            .filter(MultiAgentEndToEndTest::byMember)
            .toList();
    assertThat(members).hasSize(2);
    Instant first = members.get(0).receivedAt();
    Instant second = members.get(1).receivedAt();
    // The second request came before the first could have been answered: both were in flight.
    assertThat(second).isBefore(first.plus(SLOW));
    assertThat(members)
        .extracting(r -> r.body().toString())
        .anyMatch(b -> b.contains("left half"))
        .anyMatch(b -> b.contains("right half"));

    assertThat(log.getLast().get("type").asText()).isEqualTo("session.status_idle");
    assertThat(log.getLast().at("/stop_reason/type").asText()).isEqualTo("end_turn");
    List<JsonNode> created = MultiAgentControlTest.ofType(log, "session.thread_created");
    List<JsonNode> replies = MultiAgentControlTest.ofType(log, "agent.thread_message_received");
    assertThat(created).hasSize(2);
    assertThat(replies).hasSize(2);
    assertThat(replies)
        .extracting(r -> r.get("from_session_thread_id").asText())
        .containsExactlyInAnyOrderElementsOf(
            created.stream().map(c -> c.get("session_thread_id").asText()).toList());
    assertThat(replies).allMatch(r -> r.toString().contains("half done"));
    assertThat(log.stream().map(e -> e.get("id").asText())).doesNotHaveDuplicates();
  }
}
