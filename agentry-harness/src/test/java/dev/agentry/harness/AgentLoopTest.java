package dev.agentry.harness;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentry.core.ContentBlock;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.SessionCommit;
import dev.agentry.core.SessionRepository;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.Store;
import dev.agentry.core.StoreException;
import dev.agentry.core.StoredEvent;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentLoopTest extends HarnessTestBase {

  @Test
  void plainReply_emitsTheTurnInOrder_andGoesIdle() {
    model.thenText("hello there");
    StoredEvent msg = say("hi");
    awaitIdles(1);

    assertThat(types())
        .containsExactly(
            "user.message",
            "session.status_running",
            "span.model_request_start",
            "agent.message",
            "span.model_request_end",
            "session.usage",
            "session.status_idle");
    assertThat(store.events().find(sessionId, msg.id()).orElseThrow().processedAt()).isNotNull();
    assertThat(Events.payload(ofType("agent.message").get(0)).toString())
        .isEqualTo("{\"content\":[{\"type\":\"text\",\"text\":\"hello there\"}]}");
    var end = Events.payload(ofType("span.model_request_end").get(0));
    assertThat(end.path("model_request_start_id").asText())
        .isEqualTo(ofType("span.model_request_start").get(0).id());
    assertThat(end.path("is_error").asBoolean()).isFalse();
    assertThat(end.path("model_usage").path("input_tokens").asLong()).isEqualTo(10);
    assertThat(Events.payload(ofType("session.status_idle").get(0)).toString())
        .isEqualTo("{\"stop_reason\":{\"type\":\"end_turn\"},\"stop_details\":null}");
    assertThat(stored().usage().inputTokens()).isEqualTo(10);
    assertThat(stored().usage().outputTokens()).isEqualTo(5);
    assertThat(stored().status()).isEqualTo(SessionStatus.IDLE);

    var request = model.requests.get(0);
    assertThat(request.model()).isEqualTo("claude-test");
    assertThat(request.system()).isEqualTo("You are a test.");
    assertThat(request.maxTokens()).isEqualTo(8192);
    assertThat(request.effort()).isEqualTo("high");
    assertThat(request.messages())
        .containsExactly(ModelMessage.user(List.of(new ContentBlock.Text("hi"))));
    assertThat(request.tools())
        .extracting(t -> t.name())
        .containsExactly(
            "bash", "read", "write", "edit", "glob", "grep", "web_fetch", "web_search", "lookup");
    golden("plain-reply");
  }

  @Test
  void toolRoundTrip_journalsTheCallBeforeTheResult_andFeedsItBackUnderTheSameId() {
    model.thenTool("bash", "{\"command\":\"ls\"}").thenText("done");
    say("list files");
    awaitIdles(1);

    assertThat(types())
        .containsExactly(
            "user.message",
            "session.status_running",
            "span.model_request_start",
            "agent.tool_use",
            "span.model_request_end",
            "session.usage",
            "agent.tool_result",
            "span.model_request_start",
            "agent.message",
            "span.model_request_end",
            "session.usage",
            "session.status_idle");
    StoredEvent use = ofType("agent.tool_use").get(0);
    assertThat(Events.payload(use).toString())
        .isEqualTo(
            "{\"name\":\"bash\",\"input\":{\"command\":\"ls\"},\"evaluated_permission\":\"allow\","
                + "\"evaluation\":{\"type\":\"always_allow\"}}");
    var result = Events.payload(ofType("agent.tool_result").get(0));
    assertThat(result.path("tool_use_id").asText()).isEqualTo(use.id());
    assertThat(result.path("is_error").asBoolean()).isFalse();
    assertThat(tools.calls).extracting(FakeTools.Call::name).containsExactly("bash");

    List<ModelMessage> second = model.requests.get(1).messages();
    assertThat(second).hasSize(3);
    assertThat(second.get(1).content())
        .containsExactly(
            new ContentBlock.ToolUse(use.id(), "bash", FakeModel.json("{\"command\":\"ls\"}")));
    assertThat(second.get(2).content())
        .containsExactly(
            new ContentBlock.ToolResult(use.id(), "bash ran with {\"command\":\"ls\"}", false));
    golden("bash");
  }

  @Test
  void customTool_requiresAction_partialAnswerReIdlesWithTheRest_fullAnswerResumes() {
    model
        .then(
            (r, c) ->
                new dev.agentry.core.ModelResponse(
                    List.of(
                        new ContentBlock.ToolUse("t1", "lookup", FakeModel.json("{\"q\":1}")),
                        new ContentBlock.ToolUse("t2", "lookup", FakeModel.json("{\"q\":2}"))),
                    "tool_use",
                    dev.agentry.core.ModelUsage.ZERO))
        .thenText("thanks");
    say("look things up");
    awaitIdles(1);
    List<StoredEvent> uses = ofType("agent.custom_tool_use");
    assertThat(uses).hasSize(2);
    assertThat(Events.payload(uses.get(0)).toString())
        .isEqualTo("{\"name\":\"lookup\",\"input\":{\"q\":1}}");
    assertThat(Events.payload(ofType("session.status_idle").get(0)).path("stop_reason").toString())
        .isEqualTo(
            "{\"type\":\"requires_action\",\"event_ids\":[\""
                + uses.get(0).id()
                + "\",\""
                + uses.get(1).id()
                + "\"]}");
    assertThat(tools.calls).isEmpty();

    appendProcessed(
        "user.custom_tool_result",
        "{\"custom_tool_use_id\":\""
            + uses.get(0).id()
            + "\",\"content\":[{\"type\":\"text\",\"text\":\"one\"}],\"is_error\":false}");
    awaitIdles(2);
    assertThat(
            Events.payload(ofType("session.status_idle").get(1))
                .path("stop_reason")
                .path("event_ids")
                .toString())
        .isEqualTo("[\"" + uses.get(1).id() + "\"]");
    assertThat(model.requests).hasSize(1);

    appendProcessed(
        "user.custom_tool_result",
        "{\"custom_tool_use_id\":\""
            + uses.get(1).id()
            + "\",\"content\":[{\"type\":\"text\",\"text\":\"two\"}],\"is_error\":false}");
    awaitIdles(3);
    assertThat(model.requests).hasSize(2);
    assertThat(
            Events.payload(ofType("session.status_idle").get(2))
                .path("stop_reason")
                .path("type")
                .asText())
        .isEqualTo("end_turn");
    assertThat(model.requests.get(1).messages().get(2).content())
        .containsExactly(
            new ContentBlock.ToolResult(uses.get(0).id(), "one", false),
            new ContentBlock.ToolResult(uses.get(1).id(), "two", false));
    golden("custom-tool");
  }

  @Test
  void messagesQueuedWhileRunning_areProcessedInOrderAfterTheCurrentStep() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    model
        .then(
            (r, c) -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              return FakeModel.text("first answer");
            })
        .thenText("second answer");
    say("one");
    org.awaitility.Awaitility.await().until(() -> model.requests.size() == 1);
    say("two");
    say("three");
    release.countDown();
    awaitIdles(1);
    org.awaitility.Awaitility.await().until(() -> model.requests.size() == 2);
    awaitIdles(1);

    assertThat(ofType("session.status_idle")).hasSize(1);
    assertThat(model.requests.get(1).messages())
        .containsExactly(
            ModelMessage.user(List.of(new ContentBlock.Text("one"))),
            ModelMessage.assistant(List.of(new ContentBlock.Text("first answer"))),
            ModelMessage.user(
                List.of(new ContentBlock.Text("two"), new ContentBlock.Text("three"))));
    assertThat(ofType("user.message")).allSatisfy(e -> assertThat(e.processedAt()).isNotNull());
  }

  @Test
  void retryableError_thenSuccess_reportsRetrying_reschedules_andRunsAgain() {
    model
        .thenThrow(new ModelException("model_overloaded_error", "overloaded", true, 529, null))
        .thenText("ok");
    say("hi");
    awaitIdles(1);
    assertThat(types())
        .containsExactly(
            "user.message",
            "session.status_running",
            "span.model_request_start",
            "span.model_request_end",
            "session.error",
            "session.status_rescheduled",
            "session.status_running",
            "span.model_request_start",
            "agent.message",
            "span.model_request_end",
            "session.usage",
            "session.status_idle");
    assertThat(Events.payload(ofType("session.error").get(0)).toString())
        .isEqualTo(
            "{\"error\":{\"type\":\"model_overloaded_error\",\"message\":\"overloaded\",\"retry_status\":{\"type\":\"retrying\"}}}");
    assertThat(Events.payload(ofType("span.model_request_end").get(0)).path("is_error").asBoolean())
        .isTrue();
    golden("retries");
  }

  @Test
  void retriesExhausted_endsIdleWithRetriesExhausted() {
    ModelException busy =
        new ModelException(
            "model_rate_limited_error", "slow down", true, 429, Duration.ofMillis(1));
    model.thenThrow(busy).thenThrow(busy).thenThrow(busy);
    say("hi");
    awaitIdles(1);
    List<StoredEvent> errors = ofType("session.error");
    assertThat(errors)
        .extracting(e -> Events.payload(e).path("error").path("retry_status").path("type").asText())
        .containsExactly("retrying", "retrying", "exhausted");
    assertThat(
            Events.payload(ofType("session.status_idle").get(0))
                .path("stop_reason")
                .path("type")
                .asText())
        .isEqualTo("retries_exhausted");
    assertThat(model.requests).hasSize(3);
    assertThat(stored().status()).isEqualTo(SessionStatus.IDLE);
    golden("retries-exhausted");
  }

  /** Each kind of error that no retry can fix, as the model clients raise them. */
  static java.util.stream.Stream<RuntimeException> terminalErrors() {
    return java.util.stream.Stream.of(
        new ModelException("billing_error", "no credit", false, 402, null),
        new ModelException(
            "authentication_error",
            "ANTHROPIC_API_KEY is not set: the server needs it to call model claude-test",
            false,
            0,
            null),
        new ModelException(
            "not_found_error", "Anthropic API: model: claude-nope not found", false, 404, null),
        new ModelException(
            "model_request_failed_error",
            "scripted model x.json cannot be replayed: it is not readable JSON",
            false,
            0,
            null),
        new IllegalStateException("a bug in the model client"));
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.MethodSource("terminalErrors")
  void terminalError_endsTheTurnAsFailed_withRetriesExhausted_neverEndTurn(RuntimeException e) {
    model.thenThrow(e);
    say("hi");
    awaitIdles(1);
    assertThat(types())
        .containsExactly(
            "user.message",
            "session.status_running",
            "span.model_request_start",
            "span.model_request_end",
            "session.error",
            "session.status_idle");
    var error = Events.payload(ofType("session.error").get(0)).path("error");
    assertThat(error.path("retry_status").path("type").asText()).isEqualTo("terminal");
    assertThat(error.path("type").asText())
        .isEqualTo(e instanceof ModelException m ? m.errorType() : "unknown_error");
    assertThat(Events.payload(ofType("session.status_idle").get(0)).toString())
        .isEqualTo("{\"stop_reason\":{\"type\":\"retries_exhausted\"},\"stop_details\":null}");
    assertThat(model.requests).hasSize(1);
    assertThat(stored().status()).isEqualTo(SessionStatus.IDLE);
  }

  @Test
  void aFailureOfTheLoopItself_endsTheTurnAsFailed_withRetriesExhausted() {
    // A tool call without a name is a bug of the model client: the loop cannot journal it.
    model.then(
        (r, c) ->
            new dev.agentry.core.ModelResponse(
                List.of(new ContentBlock.ToolUse("toolu_x", null, FakeModel.json("{}"))),
                "tool_use",
                new dev.agentry.core.ModelUsage(1, 1, 0, 0)));
    say("hi");
    awaitIdles(1);
    var error = Events.payload(ofType("session.error").getLast()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("unknown_error");
    assertThat(error.path("message").asText()).contains("the agent loop failed unexpectedly");
    assertThat(error.path("retry_status").path("type").asText()).isEqualTo("terminal");
    assertThat(
            Events.payload(ofType("session.status_idle").getLast())
                .at("/stop_reason/type")
                .asText())
        .isEqualTo("retries_exhausted");
    assertThat(stored().status()).isEqualTo(SessionStatus.IDLE);
  }

  @Test
  void toolRoundLimit_reportsToolUseLimitReached_andStops() {
    harness.close();
    harness =
        Harness.create(
            store, model, tools, config().withMaxToolRounds(2), java.time.Clock.systemUTC());
    model.thenTool("glob", "{\"pattern\":\"*\"}").thenTool("glob", "{\"pattern\":\"*\"}");
    say("loop");
    awaitIdles(1);
    assertThat(tools.calls).hasSize(2);
    assertThat(Events.payload(ofType("session.error").get(0)).path("error").path("type").asText())
        .isEqualTo("tool_use_limit_reached_error");
    assertThat(
            Events.payload(ofType("session.status_idle").get(0))
                .path("stop_reason")
                .path("type")
                .asText())
        .isEqualTo("retries_exhausted");
    GoldenLogs.record("tool-round-limit", config().withMaxToolRounds(2), log());
  }

  @Test
  void everyToolCallTheHarnessRuns_passesTheObserverOnce_underABoundedName() {
    harness.close();
    List<String> observed = new java.util.concurrent.CopyOnWriteArrayList<>();
    harness =
        Harness.create(
            store,
            model,
            tools,
            config(),
            java.time.Clock.systemUTC(),
            observing(
                (id, tool, input, c, call) -> {
                  dev.agentry.core.ToolOutcome out = call.get();
                  observed.add(id + " " + tool + " " + (out.isError() ? "error" : "ok"));
                  return out;
                }));
    model
        .thenTool("glob", "{\"pattern\":\"*\"}")
        .thenTool("web_search", "{\"query\":\"agentry\"}")
        .thenTool("lookup", "{}");
    say("go");
    awaitIdles(1);
    // the sandbox's glob and the runtime's own web_search (not configured here: an error); the
    // custom tool is the client's to run, so it is not observed
    assertThat(observed).containsExactly(sessionId + " glob ok", sessionId + " web_search error");
    assertThat(tools.calls).hasSize(1);
  }

  @Test
  void eachToolUse_isDurableBeforeItRuns_andEachResultBeforeTheNextCallOrResponse() {
    harness.close();
    List<String> seenByTools = new java.util.concurrent.CopyOnWriteArrayList<>();
    harness =
        Harness.create(
            store,
            model,
            tools,
            config(),
            java.time.Clock.systemUTC(),
            observing(
                (id, tool, input, c, call) -> {
                  seenByTools.add(ofType("agent.tool_use").size() + "/" + resultCount());
                  return call.get();
                }));
    List<String> seenByModel = new java.util.concurrent.CopyOnWriteArrayList<>();
    model
        .then(
            (r, c) ->
                new dev.agentry.core.ModelResponse(
                    List.of(
                        new ContentBlock.ToolUse("toolu_a", "glob", FakeModel.json("{}")),
                        new ContentBlock.ToolUse("toolu_b", "read", FakeModel.json("{}"))),
                    "tool_use",
                    new dev.agentry.core.ModelUsage(10, 5, 0, 0)))
        .then(
            (r, c) -> {
              // The results are in the request; their commit may still be under way (ADR 0031).
              seenByModel.add(
                  ofType("agent.tool_use").size()
                      + "/"
                      + r.messages().getLast().content().stream()
                          .filter(b -> b instanceof ContentBlock.ToolResult)
                          .count());
              return FakeModel.text("done");
            });
    say("go");
    awaitIdles(1);

    assertThat(seenByTools).containsExactly("2/0", "2/1");
    assertThat(seenByModel).containsExactly("2/2");
    assertThat(types())
        .containsExactly(
            "user.message",
            "session.status_running",
            "span.model_request_start",
            "agent.tool_use",
            "agent.tool_use",
            "span.model_request_end",
            "session.usage",
            "agent.tool_result",
            "agent.tool_result",
            "span.model_request_start",
            "agent.message",
            "span.model_request_end",
            "session.usage",
            "session.status_idle");
    assertThat(stored().usage().inputTokens()).isEqualTo(20);
  }

  @Test
  void eachModelRequest_ofAnAgentWithSandboxTools_startsItsSandboxAhead() {
    model.thenTool("glob", "{}").thenText("done");
    say("go");
    awaitIdles(1);

    assertThat(tools.prepared).containsExactly(sessionId, sessionId);
  }

  @Test
  void theNextRequest_goesOutWhileTheToolResultCommits_andItsResponseWaitsForThatCommit()
      throws Exception {
    harness.close();
    java.util.concurrent.CountDownLatch requested = new java.util.concurrent.CountDownLatch(1);
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    Store gated =
        commitsGated(
            store,
            commit -> {
              if (has(commit, "agent.tool_result")) {
                // The result's commit waits for the next request to be out: a runner that waited
                // for the commit before requesting would wait here for the full five seconds.
                seen.add("commit released by the request: " + requested.await(5, SECONDS));
              }
            });
    harness = Harness.create(gated, model, tools, config(), java.time.Clock.systemUTC());
    model
        .thenTool("glob", "{}")
        .then(
            (r, c) -> {
              seen.add("request; results durable: " + resultCount());
              requested.countDown();
              return FakeModel.text("done");
            });
    say("go");
    awaitIdles(1);

    assertThat(seen)
        .containsExactly("request; results durable: 0", "commit released by the request: true");
    // The answer was journalled only after the result and the request's span start it follows.
    assertThat(types())
        .containsSubsequence(
            "agent.tool_result",
            "span.model_request_start",
            "agent.message",
            "session.status_idle");
  }

  @Test
  void aResponse_isDropped_whenTheCommitItsRequestOverlappedIsRefused() {
    harness.close();
    java.util.concurrent.atomic.AtomicBoolean refused =
        new java.util.concurrent.atomic.AtomicBoolean();
    Store gated =
        commitsGated(
            store,
            commit -> {
              if (has(commit, "agent.tool_result") && refused.compareAndSet(false, true)) {
                throw new StoreException.StaleFence("the lease moved on (test)");
              }
            });
    harness = Harness.create(gated, model, tools, config(), java.time.Clock.systemUTC());
    model.thenTool("glob", "{}").thenText("an answer no log may show");
    say("go");

    // The run ends on the refused commit and gives its lease back: it has journalled all it will.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> model.requests.size() == 2 && store.sessions().freeLease(sessionId).isPresent());
    assertThat(refused).isTrue();
    assertThat(types()).doesNotContain("agent.message", "agent.tool_result");
    assertThat(types()).endsWith("span.model_request_end", "session.usage");
  }

  private static boolean has(SessionCommit commit, String type) {
    return commit.events().stream().anyMatch(e -> e.type().equals(type));
  }

  /** {@code store}, its session commits first passing {@code gate} on the committing thread. */
  private static Store commitsGated(Store store, Gate gate) {
    SessionRepository sessions = store.sessions();
    SessionRepository gatedSessions =
        (SessionRepository)
            java.lang.reflect.Proxy.newProxyInstance(
                SessionRepository.class.getClassLoader(),
                new Class<?>[] {SessionRepository.class},
                (self, method, args) -> {
                  if (method.getName().startsWith("commit")) {
                    gate.before((SessionCommit) args[args.length - 1]);
                  }
                  try {
                    return method.invoke(sessions, args);
                  } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    return (Store)
        java.lang.reflect.Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (self, method, args) -> {
              if (method.getName().equals("sessions")) {
                return gatedSessions;
              }
              try {
                return method.invoke(store, args);
              } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @FunctionalInterface
  private interface Gate {
    void before(SessionCommit commit) throws Exception;
  }

  private long resultCount() {
    return ofType("agent.tool_result").size();
  }

  @Test
  void emptyResponse_endsTheTurnInsteadOfAskingAgain() {
    model.then(
        (r, c) ->
            new dev.agentry.core.ModelResponse(
                List.of(), "end_turn", dev.agentry.core.ModelUsage.ZERO));
    say("hi");
    awaitIdles(1);
    assertThat(model.requests).hasSize(1);
    assertThat(types()).endsWith("span.model_request_end", "session.usage", "session.status_idle");
  }

  @Test
  void interrupt_onAnIdleSession_isANoOp() throws Exception {
    model.thenText("hello");
    say("hi");
    awaitIdles(1);
    List<String> turn = types();
    StoredEvent interrupt = send("user.interrupt", "{}");
    org.awaitility.Awaitility.await()
        .until(
            () ->
                store.events().find(sessionId, interrupt.id()).orElseThrow().processedAt() != null);
    assertThat(stored().status()).isEqualTo(SessionStatus.IDLE);
    // A second turn is the barrier: the session's one runner writes anything the interrupt caused
    // before it answers the next message, so the log after the interrupt is exactly that turn.
    model.thenText("hello again");
    say("hi again");
    awaitIdles(2);
    List<String> expected = new java.util.ArrayList<>(turn);
    expected.add("user.interrupt");
    expected.addAll(turn);
    assertThat(types()).containsExactlyElementsOf(expected);
  }

  static Harness.Extras observing(dev.agentry.core.ToolObserver observer) {
    return new Harness.Extras(
        dev.agentry.core.PreviewSink.NONE, null, dev.agentry.core.Tracing.NONE, observer);
  }
}
