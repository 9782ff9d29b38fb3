package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.ContentBlock;
import dev.agentry.core.EventDraft;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.StoredEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code system.message} reaches the model in the next step and is marked processed (ADR 0042). */
class SystemMessageTest extends HarnessTestBase {

  @Test
  void systemMessage_sentWithAUserMessage_isInTheNextRequestsUserTurn_andProcessed() {
    model.thenText("ok");
    List<StoredEvent> sent =
        store
            .events()
            .append(
                sessionId,
                List.of(
                    EventDraft.of(
                        "user.message",
                        "{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}",
                        null),
                    EventDraft.of(
                        "system.message",
                        "{\"content\":[{\"type\":\"text\",\"text\":\"Answer in French.\"},"
                            + "{\"type\":\"text\",\"text\":\"Be brief.\"}]}",
                        null)));
    harness.wake(sessionId);
    awaitIdles(1);

    assertThat(model.requests.get(0).messages())
        .containsExactly(
            ModelMessage.user(
                List.of(
                    new ContentBlock.Text("hi"),
                    new ContentBlock.Text(
                        "<system_message>\nAnswer in French.\nBe brief.\n</system_message>"))));
    assertThat(model.requests.get(0).system()).isEqualTo("You are a test.");
    for (StoredEvent e : sent) {
      assertThat(store.events().find(sessionId, e.id()).orElseThrow().processedAt())
          .as(e.type())
          .isNotNull();
    }
  }

  @Test
  void systemMessage_onAnIdleSession_startsAStep_andStaysInLaterRequests() {
    model.thenText("first");
    say("hi");
    awaitIdles(1);
    model.thenText("second");
    StoredEvent sys =
        send("system.message", "{\"content\":[{\"type\":\"text\",\"text\":\"Now in French.\"}]}");
    awaitIdles(2);
    model.thenText("third");
    say("again");
    awaitIdles(3);

    assertThat(store.events().find(sessionId, sys.id()).orElseThrow().processedAt()).isNotNull();
    ContentBlock note =
        new ContentBlock.Text("<system_message>\nNow in French.\n</system_message>");
    assertThat(model.requests.get(1).messages().getLast())
        .isEqualTo(ModelMessage.user(List.of(note)));
    assertThat(model.requests.get(2).messages())
        .containsExactly(
            ModelMessage.user(List.of(new ContentBlock.Text("hi"))),
            ModelMessage.assistant(List.of(new ContentBlock.Text("first"))),
            ModelMessage.user(List.of(note)),
            ModelMessage.assistant(List.of(new ContentBlock.Text("second"))),
            ModelMessage.user(List.of(new ContentBlock.Text("again"))));
  }
}
