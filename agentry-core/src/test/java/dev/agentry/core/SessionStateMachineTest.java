package dev.agentry.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SessionStateMachineTest {

  @Test
  void turn_goesIdleRunningIdle() {
    SessionStatus running =
        SessionStateMachine.transition(SessionStatus.IDLE, SessionTrigger.RUN_STARTED);
    assertThat(running).isEqualTo(SessionStatus.RUNNING);
    assertThat(SessionStateMachine.transition(running, SessionTrigger.TURN_ENDED))
        .isEqualTo(SessionStatus.IDLE);
  }

  @Test
  void transientError_reschedulesThenResumes() {
    SessionStatus s =
        SessionStateMachine.transition(SessionStatus.RUNNING, SessionTrigger.TRANSIENT_ERROR);
    assertThat(s).isEqualTo(SessionStatus.RESCHEDULING);
    assertThat(SessionStateMachine.transition(s, SessionTrigger.RETRY_STARTED))
        .isEqualTo(SessionStatus.RUNNING);
  }

  @Test
  void terminated_hasNoWayOut() {
    for (SessionTrigger t : SessionTrigger.values()) {
      assertThat(SessionStateMachine.next(SessionStatus.TERMINATED, t)).isEmpty();
    }
    assertThatThrownBy(
            () ->
                SessionStateMachine.transition(
                    SessionStatus.TERMINATED, SessionTrigger.RUN_STARTED))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("terminated");
  }

  @Test
  void idle_cannotEndATurnItNeverStarted() {
    assertThat(SessionStateMachine.next(SessionStatus.IDLE, SessionTrigger.TURN_ENDED)).isEmpty();
  }

  /** The diagram in docs/session-status.md is generated from the table; it must not drift. */
  @Test
  void documentedDiagram_matchesTheTable() throws Exception {
    StringBuilder mermaid = new StringBuilder("stateDiagram-v2\n    [*] --> idle\n");
    SessionStateMachine.table()
        .forEach(
            (from, row) ->
                row.forEach(
                    (trigger, to) ->
                        mermaid
                            .append("    ")
                            .append(from.wireName())
                            .append(" --> ")
                            .append(to.wireName())
                            .append(" : ")
                            .append(trigger)
                            .append('\n')));
    Path doc = Path.of("..", "docs", "session-status.md");
    assertThat(Files.readString(doc)).contains(mermaid.toString());
  }
}
