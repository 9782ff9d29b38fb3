package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

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

    assertThat(asked).as("one for bash, none for glob, one at the run's end").hasSize(2);
    Asked afterBash = asked.getFirst();
    assertThat(afterBash.logThen()).contains("agent.tool_use").doesNotContain("agent.tool_result");
    assertThat(afterBash.coversSeq()).isEqualTo(afterBash.logThen().size());
    Asked atEnd = asked.getLast();
    assertThat(atEnd.logThen()).endsWith("session.status_idle");
    assertThat(atEnd.fence()).isEqualTo(afterBash.fence()).isPositive();
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
