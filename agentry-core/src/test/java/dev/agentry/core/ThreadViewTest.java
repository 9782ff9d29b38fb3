package dev.agentry.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ThreadViewTest {
  static final String SESSION = "sesn_abc123";
  static final String CHILD = "sthr_child1";

  static StoredEvent event(String type, String payload) {
    return new StoredEvent(SESSION, 1, "sevt_1", type, payload, Instant.EPOCH, Instant.EPOCH);
  }

  @Test
  void primaryId_isDerivedFromTheSessionId() {
    assertThat(ThreadView.primaryId(SESSION)).isEqualTo("sthr_abc123");
  }

  @Test
  void untaggedEvents_areThePrimaryThreads() {
    StoredEvent e = event("agent.message", "{\"content\":[]}");
    assertThat(ThreadView.onSession(e)).isTrue();
    assertThat(ThreadView.onThread(e, SESSION, ThreadView.primaryId(SESSION))).isTrue();
    assertThat(ThreadView.onThread(e, SESSION, CHILD)).isFalse();
  }

  @Test
  void aChildsEvents_areOnlyOnItsStream() {
    StoredEvent e =
        event("agent.message", "{\"content\":[],\"session_thread_id\":\"" + CHILD + "\"}");
    assertThat(ThreadView.onSession(e)).isFalse();
    assertThat(ThreadView.onThread(e, SESSION, CHILD)).isTrue();
    assertThat(ThreadView.onThread(e, SESSION, "sthr_other")).isFalse();
  }

  @Test
  void lifecycleEvents_areOnTheSessionStream_notTheChilds() {
    StoredEvent e =
        event(
            "session.thread_status_running",
            "{\"session_thread_id\":\"" + CHILD + "\",\"agent_name\":\"a\"}");
    assertThat(ThreadView.onSession(e)).isTrue();
    assertThat(ThreadView.onThread(e, SESSION, CHILD)).isFalse();
  }

  @Test
  void aChildsAskingCall_isCrossPosted_itsAllowedCallIsNot() {
    String tag = ",\"session_thread_id\":\"" + CHILD + "\"}";
    StoredEvent ask =
        event(
            "agent.tool_use",
            "{\"name\":\"bash\",\"input\":{},\"evaluated_permission\":\"ask\"" + tag);
    StoredEvent allow =
        event(
            "agent.tool_use",
            "{\"name\":\"bash\",\"input\":{},\"evaluated_permission\":\"allow\"" + tag);
    StoredEvent custom = event("agent.custom_tool_use", "{\"name\":\"x\",\"input\":{}" + tag);
    assertThat(ThreadView.onSession(ask)).isTrue();
    assertThat(ThreadView.onThread(ask, SESSION, CHILD)).isTrue();
    assertThat(ThreadView.onSession(allow)).isFalse();
    assertThat(ThreadView.onSession(custom)).isTrue();
  }

  @Test
  void withTag_addsTheFieldLast_once() {
    assertThat(ThreadView.withTag("{}", CHILD))
        .isEqualTo("{\"session_thread_id\":\"sthr_child1\"}");
    String tagged = ThreadView.withTag("{\"a\":1}", CHILD);
    assertThat(tagged).isEqualTo("{\"a\":1,\"session_thread_id\":\"sthr_child1\"}");
    assertThat(ThreadView.withTag(tagged, "sthr_x")).isEqualTo(tagged);
    assertThat(ThreadView.tag(tagged)).isEqualTo(CHILD);
    assertThat(ThreadView.tag("not json \"session_thread_id\"")).isNull();
    // Only the payload's own field counts, only as text, and only in a payload that parses.
    assertThat(ThreadView.tag("{\"input\":{\"session_thread_id\":\"sthr_x\"},\"a\":[1,{}]}"))
        .isNull();
    assertThat(ThreadView.tag("{\"session_thread_id\":7}")).isNull();
    assertThat(ThreadView.tag("{\"a\":[{\"b\":1}],\"session_thread_id\":\"sthr_y\"}"))
        .isEqualTo("sthr_y");
    assertThat(ThreadView.tag("{\"session_thread_id\":\"sthr_z\",\"a\":")).isNull();
  }
}
