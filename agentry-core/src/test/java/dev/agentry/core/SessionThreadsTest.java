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

  @Test
  void aFoldOfReadEntries_isTheFoldOfTheStoredEvents() {
    String usage =
        ",\"model_request_start_id\":\"sevt_2\",\"model_usage\":{\"input_tokens\":7,"
            + "\"output_tokens\":3,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":1}";
    StoredEvent mail =
        new StoredEvent(
            "sesn_abc123",
            5,
            "sevt_5",
            "agent.thread_message_received",
            "{\"session_thread_id\":\""
                + CHILD
                + "\",\"from_session_thread_id\":null,"
                + "\"content\":[{\"type\":\"text\",\"text\":\"more\"}]}",
            T0.plusSeconds(5),
            null);
    List<StoredEvent> log =
        List.of(
            at(0, "session.thread_created", ""),
            at(1, "session.thread_status_running", ""),
            at(3, "span.model_request_end", usage),
            at(4, "session.thread_status_idle", ",\"stop_reason\":{\"type\":\"end_turn\"}"),
            mail);

    SessionThreads.Thread stored = SessionThreads.of(log).get(CHILD);
    SessionThreads.Thread read =
        SessionThreads.fold(log.stream().map(LogEntry::of).toList()).get(CHILD);

    assertThat(read.tokens()).containsExactly(7, 3, 0, 1).isEqualTo(stored.tokens());
    assertThat(read.status()).isEqualTo(stored.status()).isEqualTo("idle");
    assertThat(read.stopReason()).isEqualTo(stored.stopReason()).isEqualTo("end_turn");
    assertThat(read.busy()).isEqualTo(stored.busy()).isTrue(); // the queued message
    assertThat(read.activeSeconds(T0.plusSeconds(9))).isEqualTo(3.0);
    assertThat(read.updatedAt()).isEqualTo(stored.updatedAt()).isEqualTo(T0.plusSeconds(5));
  }

  @Test
  void aCorruptThreadCreatedRow_makesNoThread_andBreaksNothing() {
    List<StoredEvent> log =
        List.of(
            new StoredEvent(
                "sesn_abc123", 1, "sevt_1", "session.thread_created", "{not json", T0, T0),
            at(2, "session.thread_created", ""));

    assertThat(SessionThreads.of(log)).containsOnlyKeys(CHILD);
    assertThat(SessionThreads.fold(log.stream().map(LogEntry::of).toList()))
        .containsOnlyKeys(CHILD);
  }
}
