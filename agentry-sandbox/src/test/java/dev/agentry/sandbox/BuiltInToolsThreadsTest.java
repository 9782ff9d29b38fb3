package dev.agentry.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ThreadView;
import dev.agentry.core.ToolOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bash keeps one shell per session thread (ADR 0047): a thread's restart and a thread's interrupt
 * touch its own shell only, while the primary thread's shell is the session's as it always was.
 */
class BuiltInToolsThreadsTest {
  static final String SID = "sesn_threads1";
  static final String PRIMARY = ThreadView.primaryId(SID);
  static final String A = "sthr_membera";
  static final String B = "sthr_memberb";

  @TempDir Path dataDir;
  ScheduledExecutorService scheduler;
  SandboxManager manager;
  BuiltInTools tools;
  Path ws;
  final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();

  @BeforeEach
  void start() {
    SandboxManagerTest.traversable(dataDir);
    scheduler = Executors.newSingleThreadScheduledExecutor();
    Workspaces workspaces = Workspaces.of(dataDir);
    manager =
        SandboxManager.create(
            Sandboxes.bubblewrap(),
            workspaces,
            SandboxManagerTest.LIMITS,
            Clock.systemUTC(),
            scheduler);
    tools = BuiltInTools.create(manager, SandboxManagerTest.LIMITS);
    ws = workspaces.create(SID);
  }

  @AfterEach
  void stop() {
    calls.shutdownNow();
    manager.close();
    scheduler.shutdownNow();
  }

  ToolOutcome bash(String thread, String command, Cancellation c) {
    JsonNode input = BuiltInToolsTest.JSON.createObjectNode().put("command", command);
    return tools.execute(SID, thread, "bash", input, c);
  }

  ToolOutcome bash(String thread, String command) {
    return bash(thread, command, new Cancellation());
  }

  @Test
  void restartingOneThreadsShell_keepsTheOtherThreadsAndThePrimarys() {
    bash(PRIMARY, "mkdir -p p && cd p && export WHO=primary");
    bash(A, "mkdir -p a && cd a && export WHO=a");
    bash(B, "mkdir -p b && cd b && export WHO=b");
    ToolOutcome restarted =
        tools.execute(
            SID,
            A,
            "bash",
            BuiltInToolsTest.JSON.createObjectNode().put("restart", true),
            new Cancellation());
    assertThat(restarted.text()).startsWith("The shell was restarted.");
    assertThat(bash(A, "echo \"[${WHO:-}]\"").text()).isEqualTo("[]\n");
    assertThat(bash(B, "basename \"$PWD\"; echo $WHO").text()).isEqualTo("b\nb\n");
    // The primary thread's shell is the one the thread-less call uses.
    assertThat(
            tools
                .execute(
                    SID,
                    "bash",
                    BuiltInToolsTest.JSON.createObjectNode().put("command", "echo $WHO"))
                .text())
        .isEqualTo("primary\n");
  }

  @Test
  void interruptingOneMembersCall_leavesAnotherMembersRunningCommandAlone() throws Exception {
    Cancellation interruptA = new Cancellation();
    CompletableFuture<ToolOutcome> a =
        CompletableFuture.supplyAsync(
            () -> bash(A, "touch a-runs && sleep 100", interruptA), calls);
    CompletableFuture<ToolOutcome> b =
        CompletableFuture.supplyAsync(
            () -> bash(B, "touch b-runs && sleep 2 && echo b-finished"), calls);
    for (int i = 0;
        i < 200 && !(Files.exists(ws.resolve("a-runs")) && Files.exists(ws.resolve("b-runs")));
        i++) {
      Thread.sleep(50);
    }
    interruptA.cancel();
    a.get(10, TimeUnit.SECONDS); // ended by the interrupt, not by its 100 s
    ToolOutcome finished = b.get(10, TimeUnit.SECONDS);
    assertThat(finished.isError()).as(finished.text()).isFalse();
    assertThat(finished.text()).isEqualTo("b-finished\n");
  }
}
