package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.ContentBlock;
import dev.agentry.core.EventDraft;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.StoredEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A log row that does not parse as its type: reported once with its seq, never a crashed run. */
class CorruptRowTest extends HarnessTestBase {

  @Test
  void anUnreadableRow_isReportedAsASessionErrorWithItsSeq_andTheTurnGoesOnWithoutIt() {
    Instant now = Instant.now();
    List<StoredEvent> old =
        store
            .events()
            .append(
                sessionId,
                List.of(
                    EventDraft.of(
                        "user.message", "{\"content\":[{\"type\":\"text\",\"text\":\"a\"}]}", now),
                    EventDraft.of("agent.message", "{\"content\":[{\"type\":\"te}", now),
                    EventDraft.of("agent.future_event", "{\"anything\":1}", now),
                    EventDraft.of(
                        "session.status_idle",
                        "{\"stop_reason\":{\"type\":\"end_turn\"},\"stop_details\":null}",
                        now)));
    model.thenText("still here").thenText("and again");
    say("b");
    awaitIdles(2);

    List<StoredEvent> errors = ofType("session.error");
    assertThat(errors).hasSize(1);
    var error = Events.payload(errors.getFirst()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("unknown_error");
    assertThat(error.path("event_seq").asLong()).isEqualTo(old.get(1).seq());
    assertThat(error.path("message").asText())
        .contains("event " + old.get(1).seq() + " (agent.message)")
        .contains("it is not JSON");
    assertThat(error.path("retry_status").path("type").asText()).isEqualTo("terminal");
    // The unknown type is kept and folded as nothing; the corrupt row is left out of the context.
    assertThat(model.requests.getFirst().messages())
        .containsExactly(
            ModelMessage.user(List.of(new ContentBlock.Text("a"), new ContentBlock.Text("b"))));
    assertThat(
            Events.payload(ofType("session.status_idle").getLast())
                .at("/stop_reason/type")
                .asText())
        .isEqualTo("end_turn");

    // A later run does not report it again.
    say("c");
    awaitIdles(3);
    assertThat(ofType("session.error")).hasSize(1);
  }
}
