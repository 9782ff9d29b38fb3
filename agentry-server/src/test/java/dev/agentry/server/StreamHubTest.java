package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The hub renders an event's frame once and shares it between connections. */
class StreamHubTest {
  private static StoredEvent event(long seq) {
    return new StoredEvent(
        "sesn_1",
        seq,
        "sevt_" + seq,
        "user.message",
        "{\"content\":[{\"type\":\"text\",\"text\":\"hé\"}]}",
        Instant.parse("2026-11-25T00:00:00Z"),
        null);
  }

  @Test
  void oneEvent_isRenderedOnceForAllConnections() throws Exception {
    StreamHub hub = new StreamHub();
    StreamHub.Connection a = hub.open("sesn_1", Set.of());
    StreamHub.Connection b = hub.open("sesn_1", Set.of());
    StoredEvent first = event(1);
    StoredEvent second = event(2);
    a.offer(first);
    b.offer(first);
    a.offer(second);
    b.offer(second);

    var a1 = (StreamHub.Event) a.poll(0);
    var b1 = (StreamHub.Event) b.poll(0);
    var a2 = (StreamHub.Event) a.pollNow();
    var b2 = (StreamHub.Event) b.pollNow();
    assertThat(a1.frame()).isSameAs(b1.frame());
    assertThat(a2.frame()).isSameAs(b2.frame()).isNotSameAs(a1.frame());
    assertThat(new String(a1.frame(), StandardCharsets.UTF_8))
        .isEqualTo("id: sevt_1\nevent: message\ndata: " + first.toJson() + "\n\n");
    assertThat(a.pollNow()).isNull();
  }
}
