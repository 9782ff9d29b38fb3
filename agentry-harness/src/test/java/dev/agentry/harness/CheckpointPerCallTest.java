package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentry.core.PreviewSink;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ToolObserver;
import dev.agentry.core.Tracing;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A side-effecting tool call is checkpointed before its result is committed (so a node that dies
 * after the commit has saved what the call did), under the run's lease token; a read-only call is
 * not; and the run's end checkpoints once more. A run's calls go through one executor scoped to the
 * run ({@code ToolExecutor.forRun}), which checks the workspace against its checkpoint once.
 */
class CheckpointPerCallTest extends HarnessTestBase {
  /** A checkpoint the harness asked for, and the log's event types at that moment. */
  record Asked(long coversSeq, long fence, List<String> logThen) {}

  @Test
  void aSideEffectingCall_isCheckpointedBeforeItsResultIsCommitted_aReadOnlyOneIsNot() {
    harness.close();
    List<Asked> asked = new CopyOnWriteArrayList<>();
    harness =
        Harness.create(
            store,
            model,
            tools,
            config(),
            Clock.systemUTC(),
            new Harness.Extras(
                PreviewSink.NONE,
                null,
                Tracing.NONE,
                ToolObserver.NONE,
                (session, coversSeq, fence) ->
                    asked.add(
                        new Asked(
                            coversSeq,
                            fence,
                            store.events().readAfter(session, 0, 1000).stream()
                                .map(StoredEvent::type)
                                .toList()))));
    model
        .thenTool("bash", "{\"command\":\"echo one >> f\"}")
        .thenTool("glob", "{\"pattern\":\"*\"}")
        .thenText("done");
    say("go");
    awaitIdles(1);
    // The run's last checkpoint follows its last commit, as the run ends.
    await().atMost(java.time.Duration.ofSeconds(5)).until(() -> asked.size() >= 2);

    assertThat(asked).as("one for bash, none for glob, one at the run's end").hasSize(2);
    Asked afterBash = asked.getFirst();
    assertThat(afterBash.logThen()).contains("agent.tool_use").doesNotContain("agent.tool_result");
    assertThat(afterBash.coversSeq()).isEqualTo(afterBash.logThen().size());
    Asked atEnd = asked.getLast();
    assertThat(atEnd.logThen()).endsWith("session.status_idle");
    assertThat(atEnd.fence()).isEqualTo(afterBash.fence()).isPositive();
  }

  @Test
  void aCallWhoseCheckpointKeepsFailing_isNotReportedDone_butUnknown_andNotRunAgain() {
    harness.close();
    java.util.concurrent.atomic.AtomicInteger failures =
        new java.util.concurrent.atomic.AtomicInteger(3); // every try of the call's checkpoint
    harness =
        Harness.create(
            store,
            model,
            tools,
            config(),
            Clock.systemUTC(),
            new Harness.Extras(
                PreviewSink.NONE,
                null,
                Tracing.NONE,
                ToolObserver.NONE,
                (session, coversSeq, fence) -> failures.getAndDecrement() <= 0));
    model.thenTool("bash", "{\"command\":\"echo one >> f\"}").thenText("done");
    say("go");
    awaitIdles(1);

    assertThat(tools.calls).as("the side effect ran once").hasSize(1);
    List<StoredEvent> results = ofType("agent.tool_result");
    assertThat(results).hasSize(1);
    assertThat(results.getFirst().payload())
        .as("a result whose effect only this node has is not reported done")
        .contains("outcome of this tool call is unknown");
  }

  @Test
  void aDatabaseOutageRightAfterACall_isNotReportedAsTheToolsFailure_butAsUnknown() {
    harness.close();
    java.util.concurrent.atomic.AtomicBoolean once =
        new java.util.concurrent.atomic.AtomicBoolean();
    harness =
        Harness.create(
            store,
            model,
            tools,
            config(),
            Clock.systemUTC(),
            new Harness.Extras(
                PreviewSink.NONE,
                null,
                Tracing.NONE,
                (session, tool, input, c, call) -> {
                  var out = call.get();
                  if (once.compareAndSet(false, true)) { // a store read after the call fails
                    throw new dev.agentry.core.StoreException.Unavailable("read failed", null);
                  }
                  return out;
                },
                dev.agentry.core.Checkpointer.NONE));
    model.thenTool("bash", "{\"command\":\"echo one >> f\"}").thenText("done");
    say("go");
    awaitIdles(1);

    assertThat(tools.calls).as("the side effect ran once").hasSize(1);
    List<StoredEvent> results = ofType("agent.tool_result");
    assertThat(results).hasSize(1);
    assertThat(results.getFirst().payload())
        .as("the call ran; a store failure after it is no failure of the tool")
        .contains("outcome of this tool call is unknown");
  }

  @Test
  void aRunsCalls_goThroughOneExecutorScopedToTheRun_soItChecksTheWorkspaceOnce() {
    model
        .thenTool("bash", "{\"command\":\"echo one >> f\"}")
        .thenTool("glob", "{\"pattern\":\"*\"}")
        .thenTool("bash", "{\"command\":\"echo two >> f\"}")
        .thenText("done");
    say("go");
    awaitIdles(1);

    assertThat(tools.runs).containsExactly(sessionId);
    assertThat(tools.callRuns).containsExactly(1, 1, 1);
  }
}
