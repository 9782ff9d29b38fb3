package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.testkit.FakeAnthropic;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** At most 25 threads are mid-turn at once; a 26th waits for one to stop (docs/decisions/0033). */
class MultiAgentCapTest extends FakeModelServerTestBase {
  @BeforeAll
  static void sdk() {
    MultiAgentEndToEndTest.client = server.sdk();
  }

  @Test
  void the26thThread_startsOnlyOnceAnotherStopped() throws Exception {
    FakeAnthropic.Block[] sends = new FakeAnthropic.Block[26];
    for (int i = 0; i < sends.length; i++) {
      sends[i] =
          FakeAnthropic.toolUseBlock(
              "send_to_agent", MultiAgentEndToEndTest.send("fan", "task " + i));
    }
    fake.enqueueFor(MultiAgentEndToEndTest::byCoordinator, FakeAnthropic.Reply.of(sends));
    // Each member works long enough that all that may run at once do; any other request: "ok".
    FakeAnthropic.Reply[] slow = new FakeAnthropic.Reply[sends.length];
    for (int i = 0; i < slow.length; i++) {
      slow[i] = FakeAnthropic.text("ok").delay(Duration.ofMillis(1500));
    }
    fake.enqueueFor(MultiAgentEndToEndTest::byMember, slow);
    String session =
        MultiAgentEndToEndTest.coordinatorSession("fan", "[]", "[{\"type\":\"self\"}]");
    MultiAgentEndToEndTest.say(session, "fan out");
    List<JsonNode> log =
        Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> MultiAgentEndToEndTest.raw("/v1/sessions/" + session + "/events"),
                l -> MultiAgentControlTest.ofType(l, "session.status_idle").size() == 1);
    assertThat(MultiAgentControlTest.ofType(log, "session.thread_created")).hasSize(26);
    assertThat(MultiAgentControlTest.ofType(log, "agent.thread_message_received")).hasSize(26);
    Set<String> running = new HashSet<>();
    int most = 0;
    for (JsonNode e : log) {
      String type = e.get("type").asText();
      if (type.equals("session.thread_status_running")) {
        running.add(e.get("session_thread_id").asText());
        most = Math.max(most, running.size());
      } else if (type.equals("session.thread_status_idle")) {
        running.remove(e.get("session_thread_id").asText());
      }
    }
    assertThat(most).isEqualTo(25);
  }
}
