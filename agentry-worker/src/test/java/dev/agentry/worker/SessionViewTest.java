package dev.agentry.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SessionViewTest {
  private static ObjectNode event(String id, String type) {
    return FakeQueue.JSON.createObjectNode().put("id", id).put("type", type);
  }

  private static ObjectNode call(String id, String name, String permission) {
    ObjectNode e = event(id, "agent.tool_use").put("name", name);
    if (permission != null) {
      e.put("evaluated_permission", permission);
    }
    e.putObject("input").put("command", "ls");
    return e;
  }

  private static ObjectNode idleWaitingOn(String id, String... calls) {
    ObjectNode e = event(id, "session.status_idle");
    var ids = e.putObject("stop_reason").put("type", "requires_action").putArray("event_ids");
    for (String c : calls) {
      ids.add(c);
    }
    return e;
  }

  private static ObjectNode endTurn(String id) {
    ObjectNode e = event(id, "session.status_idle");
    e.putObject("stop_reason").put("type", "end_turn");
    return e;
  }

  @Test
  void aCallRunsOnlyOnceAnIdleListsIt() {
    SessionView v = new SessionView("running");
    v.apply(call("c1", "bash", "allow"));
    assertThat(v.runnable(Set.of())).isEmpty();
    assertThat(v.done(Set.of())).isFalse();

    v.apply(idleWaitingOn("i1", "c1"));
    assertThat(v.runnable(Set.of())).extracting(SessionView.Call::id).containsExactly("c1");
    assertThat(v.runnable(Set.of("c1"))).isEmpty();
  }

  @Test
  void anAnsweredCall_isNotRunAgain_evenWhenItsEventsComeTwice() {
    SessionView v = new SessionView("running");
    ObjectNode use = call("c1", "bash", null);
    v.apply(use);
    v.apply(idleWaitingOn("i1", "c1"));
    v.apply(event("r1", "user.tool_result").put("tool_use_id", "c1"));
    v.apply(use); // the stream and the list overlap
    assertThat(v.runnable(Set.of())).isEmpty();
    assertThat(v.done(Set.of())).isTrue();
  }

  @Test
  void anAskingCall_waitsForItsConfirmation_andADeniedOneNeverRuns() {
    SessionView v = new SessionView("running");
    v.apply(call("ask", "bash", "ask"));
    v.apply(call("no", "write", "deny"));
    v.apply(idleWaitingOn("i1", "ask", "no"));
    assertThat(v.runnable(Set.of())).isEmpty();
    assertThat(v.done(Set.of())).as("the asking call keeps the worker").isFalse();

    v.apply(
        event("conf", "user.tool_confirmation").put("tool_use_id", "ask").put("result", "allow"));
    assertThat(v.runnable(Set.of())).extracting(SessionView.Call::id).containsExactly("ask");
  }

  @Test
  void aRefusedConfirmation_leavesNothingForTheWorker() {
    SessionView v = new SessionView("running");
    v.apply(call("ask", "bash", "ask"));
    v.apply(idleWaitingOn("i1", "ask"));
    v.apply(
        event("conf", "user.tool_confirmation").put("tool_use_id", "ask").put("result", "deny"));
    assertThat(v.runnable(Set.of())).isEmpty();
    assertThat(v.done(Set.of())).isTrue();
  }

  @Test
  void afterAPost_theWorkerWaitsForTheSessionsNextIdle() {
    SessionView v = new SessionView("idle");
    v.apply(call("c1", "bash", "allow"));
    v.apply(idleWaitingOn("i1", "c1"));
    v.posted("c1");
    assertThat(v.done(Set.of("c1"))).isFalse();
    v.apply(event("run", "session.status_running"));
    v.apply(endTurn("end"));
    assertThat(v.done(Set.of("c1"))).isTrue();
  }

  @Test
  void aThreadsIdleListsItsCalls() {
    SessionView v = new SessionView("running");
    ObjectNode sub = call("c1", "read", "allow").put("session_thread_id", "sthr_1");
    v.apply(sub);
    ObjectNode threadIdle = idleWaitingOn("ti", "c1").put("type", "session.thread_status_idle");
    v.apply(threadIdle);
    assertThat(v.runnable(Set.of()))
        .singleElement()
        .satisfies(c -> assertThat(c.threadId()).isEqualTo("sthr_1"));
  }

  @Test
  void aTerminatedSession_isDone() {
    SessionView v = new SessionView("running");
    v.apply(call("c1", "bash", "allow"));
    v.apply(event("t", "session.status_terminated"));
    assertThat(v.done(Set.of())).isTrue();
    assertThat(new SessionView("terminated").done(Set.of())).isTrue();
  }
}
