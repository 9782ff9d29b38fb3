package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Json;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.Workspace;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Harness#submit}: the harness decides whether a session takes a client's events, appends
 * them (processed on receipt where they settle something) and wakes the runner, or refuses them all
 * with the event and the rule named.
 */
class SubmitTest extends HarnessTestBase {
  static UserEvent event(String type, String payload, boolean processedOnReceipt) {
    try {
      return new UserEvent(type, (ObjectNode) Json.mapper().readTree(payload), processedOnReceipt);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static UserEvent message(String text) {
    return event(
        UserEvent.MESSAGE,
        "{\"content\":[{\"type\":\"text\",\"text\":" + FakeModel.json("\"" + text + "\"") + "}]}",
        false);
  }

  @Test
  void aMessage_isStoredQueued_andTheRunnerAnswersIt() {
    model.thenText("hello");
    List<StoredEvent> stored =
        harness.submit(Workspace.DEFAULT_ID, sessionId, List.of(message("hi")));
    assertThat(stored)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.type()).isEqualTo(UserEvent.MESSAGE);
              assertThat(e.processedAt()).isNull();
            });
    awaitIdles(1);
    assertThat(types()).contains("agent.message");
  }

  @Test
  void anInterruptOfAnIdleSession_isProcessedOnReceipt() {
    List<StoredEvent> stored =
        harness.submit(
            Workspace.DEFAULT_ID, sessionId, List.of(event(UserEvent.INTERRUPT, "{}", false)));
    assertThat(stored.get(0).processedAt()).isNotNull();
  }

  @Test
  void aSessionOfAnotherWorkspace_isNotFound_andNothingIsAppended() {
    int before = log().size();
    assertThatThrownBy(() -> harness.submit("wrkspc_other", sessionId, List.of(message("hi"))))
        .isInstanceOfSatisfying(
            EventsRefused.class,
            e -> {
              assertThat(e.reason()).isEqualTo(EventsRefused.Reason.SESSION_NOT_FOUND);
              assertThat(e.getMessage()).isEqualTo("session " + sessionId + " not found");
            });
    assertThat(log()).hasSize(before);
  }

  @Test
  void aCustomToolResultForNoCall_isRefusedNamingTheEvent_andNothingIsAppended() {
    int before = log().size();
    var result =
        event(
            UserEvent.CUSTOM_TOOL_RESULT,
            "{\"custom_tool_use_id\":\"sevt_nope\",\"content\":[],\"is_error\":false}",
            true);
    assertThatThrownBy(
            () -> harness.submit(Workspace.DEFAULT_ID, sessionId, List.of(message("hi"), result)))
        .isInstanceOfSatisfying(
            EventsRefused.class,
            e -> {
              assertThat(e.reason()).isEqualTo(EventsRefused.Reason.INVALID);
              assertThat(e.getMessage())
                  .startsWith("events[1].custom_tool_use_id: sevt_nope is not a");
            });
    assertThat(log()).hasSize(before);
  }

  @Test
  void twoConfirmationsOfOneCall_inOneRequest_areRefused() {
    var confirm =
        event(UserEvent.TOOL_CONFIRMATION, "{\"tool_use_id\":\"x\",\"result\":\"allow\"}", false);
    assertThatThrownBy(
            () -> harness.submit(Workspace.DEFAULT_ID, sessionId, List.of(confirm, confirm)))
        .isInstanceOf(EventsRefused.class)
        .hasMessageContaining("events[1].tool_use_id: x is already answered by events[0]");
  }

  @Test
  void anArchivedSession_refusesEvents_withItsErrorCode() {
    store.sessions().update(sessionId, s -> s.archived(java.time.Instant.now()));
    assertThatThrownBy(
            () -> harness.submit(Workspace.DEFAULT_ID, sessionId, List.of(message("hi"))))
        .isInstanceOfSatisfying(
            EventsRefused.class, e -> assertThat(e.errorCode()).contains("session_archived"));
  }
}
