package dev.agentry.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionThreadsTest {
  static final String CHILD = "sthr_child1";
  static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  static StoredEvent at(int second, String type, String extra) {
    String payload = "{\"session_thread_id\":\"" + CHILD + "\",\"agent_name\":\"a\"" + extra + "}";
    return new StoredEvent(
        "sesn_abc123", second, "sevt_" + second, type, payload, T0.plusSeconds(second), T0);
  }

  @Test
  void activeSeconds_sumTheRunningStretches_andCountTheOpenOneUpToNow() {
    List<StoredEvent> log =
        List.of(
            at(0, "session.thread_created", ""),
            at(1, "session.thread_status_running", ""),
            at(4, "session.thread_status_idle", ",\"stop_reason\":{\"type\":\"end_turn\"}"),
            at(10, "session.thread_status_running", ""));
    SessionThreads.Thread t = SessionThreads.of(log).get(CHILD);

    assertThat(t.activeSeconds(T0.plusSeconds(12))).isEqualTo(5.0);
    assertThat(t.durationSeconds(T0.plusSeconds(12))).isEqualTo(12.0);
  }

  @Test
  void aTerminatedThread_stopsItsClocks() {
    List<StoredEvent> log =
        List.of(
            at(0, "session.thread_created", ""),
            at(2, "session.thread_status_running", ""),
            at(5, "session.thread_status_terminated", ""));
    SessionThreads.Thread t = SessionThreads.of(log).get(CHILD);

    assertThat(t.activeSeconds(T0.plusSeconds(60))).isEqualTo(3.0);
    assertThat(t.durationSeconds(T0.plusSeconds(60))).isEqualTo(5.0);
  }
}
