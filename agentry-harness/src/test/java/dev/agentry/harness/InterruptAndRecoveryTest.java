package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agentry.core.EventDraft;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.StoreException;
import dev.agentry.core.StoredEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InterruptAndRecoveryTest extends HarnessTestBase {

  @Test
  void interrupt_duringASlowModelCall_cancelsIt_andEndsTheTurn() throws Exception {
    model.thenBlockUntilCancelled();
    say("think hard");
    assertThat(model.blockedCalls.await(5, TimeUnit.SECONDS)).isTrue();
    StoredEvent interrupt = send("user.interrupt", "{}");
    awaitIdles(1);

    assertThat(types())
        .containsExactly(
            "user.message",
            "session.status_running",
            "span.model_request_start",
            "user.interrupt",
            "span.model_request_end",
            "session.status_idle");
    assertThat(Events.payload(ofType("span.model_request_end").get(0)).path("is_error").asBoolean())
        .isTrue();
    assertThat(
            Events.payload(ofType("session.status_idle").get(0))
                .path("stop_reason")
                .path("type")
                .asText())
        .isEqualTo("end_turn");
    assertThat(store.events().find(sessionId, interrupt.id()).orElseThrow().processedAt())
        .isNotNull();
  }

  @Test
  void interrupt_duringASlowTool_flipsItsCancellation_andAnswersTheCallAsInterrupted()
      throws Exception {
    tools.slow = "bash";
    model.thenTool("bash", "{\"command\":\"sleep 1000\"}");
    say("run it");
    assertThat(tools.slowStarted.await(5, TimeUnit.SECONDS)).isTrue();
    send("user.interrupt", "{}");
    awaitIdles(1);

    assertThat(tools.calls.get(0).cancellation().isCancelled()).isTrue();
    StoredEvent use = ofType("agent.tool_use").get(0);
    var result = Events.payload(ofType("agent.tool_result").get(0));
    assertThat(result.path("tool_use_id").asText()).isEqualTo(use.id());
    assertThat(result.path("is_error").asBoolean()).isTrue();
    assertThat(result.path("content").get(0).path("text").asText()).contains("interrupted");
    assertThat(ofType("agent.tool_result")).hasSize(1);
    assertThat(stored().status()).isEqualTo(SessionStatus.IDLE);
    assertThat(model.requests).hasSize(1);
    golden("interrupt");
  }

  @Test
  void interrupt_whileBlockedOnACustomTool_answersThePendingCallWithAnError() {
    model.thenTool("lookup", "{}");
    say("ask the client");
    awaitIdles(1);
    // The server stores an interrupt on an idle session as processed.
    appendProcessed("user.interrupt", "{}");
    awaitIdles(2);
    var result = Events.payload(ofType("agent.tool_result").get(0));
    assertThat(result.path("tool_use_id").asText())
        .isEqualTo(ofType("agent.custom_tool_use").get(0).id());
    assertThat(result.path("content").get(0).path("text").asText())
        .isEqualTo("Tool execution was interrupted before completion. Please retry.");
    assertThat(
            Events.payload(ofType("session.status_idle").get(1))
                .path("stop_reason")
                .path("type")
                .asText())
        .isEqualTo("end_turn");
    golden("interrupt-custom-tool");
  }

  @Test
  void crashResume_doesNotReRunASideEffectingTool_reRunsAReadOnlyOne_andClosesADanglingSpan() {
    Instant now = Instant.now();
    List<StoredEvent> crashed =
        store
            .events()
            .append(
                sessionId,
                List.of(
                    EventDraft.of(
                        "user.message", "{\"content\":[{\"type\":\"text\",\"text\":\"go\"}]}", now),
                    EventDraft.of("session.status_running", "{}", now),
                    EventDraft.of("span.model_request_start", "{}", now),
                    EventDraft.of(
                        "agent.tool_use",
                        "{\"name\":\"bash\",\"input\":{\"command\":\"rm -rf build\"},"
                            + "\"evaluated_permission\":\"allow\"}",
                        now),
                    EventDraft.of(
                        "agent.tool_use",
                        "{\"name\":\"read\",\"input\":{\"file_path\":\"a.txt\"},"
                            + "\"evaluated_permission\":\"allow\"}",
                        now)));
    store.sessions().update(sessionId, s -> s.withStatus(SessionStatus.RUNNING, now));
    model.thenText("carrying on");
    harness.recover();
    awaitIdles(1);

    assertThat(tools.calls).extracting(FakeTools.Call::name).containsExactly("read");
    List<StoredEvent> results = ofType("agent.tool_result");
    var bash = Events.payload(results.get(0));
    assertThat(bash.path("tool_use_id").asText()).isEqualTo(crashed.get(3).id());
    assertThat(bash.path("is_error").asBoolean()).isTrue();
    assertThat(bash.path("content").get(0).path("text").asText())
        .contains("unknown")
        .contains("not re-run");
    var read = Events.payload(results.get(1));
    assertThat(read.path("tool_use_id").asText()).isEqualTo(crashed.get(4).id());
    assertThat(read.path("is_error").asBoolean()).isFalse();
    var danglingEnd = Events.payload(ofType("span.model_request_end").get(0));
    assertThat(danglingEnd.path("model_request_start_id").asText()).isEqualTo(crashed.get(2).id());
    assertThat(danglingEnd.path("is_error").asBoolean()).isTrue();
    assertThat(model.requests).hasSize(1);
    assertThat(model.requests.get(0).messages()).hasSize(3);
    golden("crash-mid-tool");
  }

  @Test
  void lease_aSecondHarnessCannotRunTheSessionConcurrently() throws Exception {
    model.thenBlockUntilCancelled();
    say("hi");
    assertThat(model.blockedCalls.await(5, TimeUnit.SECONDS)).isTrue();
    FakeModel other = new FakeModel();
    List<WatchedStore.Call> calls = new CopyOnWriteArrayList<>();
    try (Harness second =
        Harness.create(WatchedStore.of(store, calls), other, tools, config(), Clock.systemUTC())) {
      second.wake(sessionId);
      second.recover();
      // It asked for the lease, was refused, and waits out the first runner's: queued, not running.
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  calls.stream().anyMatch(WatchedStore.Call::leaseRefused)
                      && second.queueDepth() == 1);
      assertThat(other.requests).isEmpty();
    }
  }

  @Test
  void lease_aRunnerWhoseLeaseWasTaken_cannotWriteAndStopsQuietly() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    model.then(
        (r, c) -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return FakeModel.text("too late");
        });
    List<WatchedStore.Call> calls = new CopyOnWriteArrayList<>();
    harness.close();
    harness =
        Harness.create(WatchedStore.of(store, calls), model, tools, config(), Clock.systemUTC());
    say("hi");
    await().until(() -> model.requests.size() == 1);
    var thief =
        store
            .sessions()
            .tryLease(
                sessionId, "thief", Instant.now().plus(Duration.ofHours(1)), Duration.ofHours(2))
            .orElseThrow();
    release.countDown();
    // The answer came back after the lease was taken: its commit is refused, and nothing is
    // written.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> calls.stream().anyMatch(WatchedStore.Call::commitRefused));
    assertThat(ofType("agent.message")).isEmpty();
    assertThatThrownBy(
            () ->
                store
                    .events()
                    .append(
                        sessionId,
                        List.of(EventDraft.of("agent.message", "{}", Instant.now())),
                        thief.token() - 1))
        .isInstanceOf(StoreException.StaleFence.class);
  }
}
