package dev.agentry.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.ExecResult;
import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxLimits;
import dev.agentry.core.SandboxProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link SandboxProvider} must do, whatever its isolation: a persistent shell, exit
 * codes, timeouts that keep the shell usable, bounded output, exec with stdin, and a clean close.
 */
public abstract class SandboxContract {
  protected static final Duration T = Duration.ofSeconds(10);

  @TempDir protected Path workspace;
  protected Sandbox sandbox;

  protected abstract SandboxProvider provider();

  /** Small limits so that tripping them is fast. */
  protected SandboxLimits limits() {
    return new SandboxLimits(
        128,
        256L << 20,
        100,
        Duration.ofSeconds(10),
        Duration.ofSeconds(30),
        100 * 1024,
        16L << 20,
        64L << 20,
        16L << 20,
        Duration.ofMinutes(1));
  }

  @BeforeEach
  void provisionSandbox() {
    sandbox = provider().provision("contract", workspace, limits());
  }

  @AfterEach
  void closeSandbox() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void workingDirectoryAndExportsPersistAcrossCalls() {
    assertThat(sandbox.shell("mkdir -p sub && cd sub && export GREETING=hi", T).exitCode())
        .isZero();
    ExecResult r = sandbox.shell("basename \"$PWD\"; echo $GREETING", T);
    assertThat(r.output()).isEqualTo("sub\nhi\n");
    assertThat(r.failure()).isNull();
  }

  @Test
  void exitCodesAndStderrAreReported() {
    ExecResult r = sandbox.shell("echo out; echo err >&2; exit_code() { return 3; }; exit_code", T);
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.output()).contains("out").contains("err");
    assertThat(sandbox.shell("false", T).exitCode()).isEqualTo(1);
    assertThat(sandbox.shell("echo 'unbalanced", T).exitCode()).isNotZero();
    assertThat(sandbox.shell("echo still fine", T).output()).isEqualTo("still fine\n");
  }

  @Test
  void commandsDoNotReadTheProtocolPipe() {
    ExecResult r = sandbox.shell("cat; echo after", T);
    assertThat(r.output()).isEqualTo("after\n");
  }

  @Test
  void restartShellGivesAFreshShellInTheWorkspace() {
    String home = sandbox.shell("pwd", T).output();
    sandbox.shell("mkdir -p d && cd d && export LEFTOVER=1", T);
    sandbox.restartShell();
    ExecResult r = sandbox.shell("pwd; echo \"[${LEFTOVER:-}]\"", T);
    assertThat(r.output()).isEqualTo(home + "[]\n");
  }

  @Test
  void timeoutKillsTheCommandAndKeepsCwdAndExports() {
    sandbox.shell("mkdir -p t && cd t && export KEEP=yes", T);
    long start = System.nanoTime();
    ExecResult r = sandbox.shell("(sleep 100; echo late) & sleep 100", Duration.ofSeconds(1));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    assertThat(r.timedOut()).isTrue();
    assertThat(r.output()).contains("timed out after 1 s");
    ExecResult after = sandbox.shell("basename \"$PWD\"; echo $KEEP", T);
    assertThat(after.output()).isEqualTo("t\nyes\n");
    assertThat(after.failure()).isNull();
  }

  @Test
  void aShellThatExitedIsRestartedOnTheNextCall() {
    sandbox.shell("export KEEP=1", T);
    ExecResult r = sandbox.shell("echo bye; exit 7", T);
    assertThat(r.exitCode()).isEqualTo(7);
    assertThat(r.output()).startsWith("bye\n");
    ExecResult next = sandbox.shell("echo $KEEP", T);
    assertThat(next.output()).contains("shell restarted").endsWith("1\n");
  }

  @Test
  void aFiftyMegabyteLineIsTruncatedWithoutBufferingIt() {
    System.gc();
    Runtime rt = Runtime.getRuntime();
    long before = rt.totalMemory() - rt.freeMemory();
    ExecResult r = sandbox.shell("head -c 52428800 /dev/zero | tr '\\0' a", Duration.ofSeconds(30));
    long grown = rt.totalMemory() - rt.freeMemory() - before;
    assertThat(r.truncated()).isTrue();
    assertThat(r.output())
        .startsWith("aaaa")
        .contains("[output truncated: 52428800 bytes, showing the first 102400]");
    assertThat(r.output().length()).isLessThan(102400 + 200);
    assertThat(grown).as("heap growth while streaming 50 MB").isLessThan(40L << 20);
    assertThat(sandbox.shell("echo ok", T).output()).isEqualTo("ok\n");
  }

  @Test
  void execRunsOnceWithStdin() {
    ExecResult r =
        sandbox.exec(
            List.of("/usr/bin/python3", "-c", "import sys; print(sys.stdin.read().upper())"),
            "hello".getBytes(StandardCharsets.UTF_8),
            T);
    assertThat(r.exitCode()).isZero();
    assertThat(r.output()).isEqualTo("HELLO\n");
    assertThat(sandbox.exec(List.of("/bin/sh", "-c", "exit 5"), new byte[0], T).exitCode())
        .isEqualTo(5);
  }

  @Test
  void execSharesTheWorkspaceWithTheShell() throws Exception {
    sandbox.shell("echo from-shell > shared.txt", T);
    assertThat(sandbox.exec(List.of("/bin/cat", "shared.txt"), null, T).output())
        .isEqualTo("from-shell\n");
    assertThat(Files.readString(workspace.resolve("shared.txt"))).isEqualTo("from-shell\n");
  }

  @Test
  void execTimeoutIsReported() {
    ExecResult r = sandbox.exec(List.of("/bin/sleep", "100"), null, Duration.ofMillis(500));
    assertThat(r.timedOut()).isTrue();
  }

  @Test
  void eachNamedShellKeepsItsOwnDirectoryAndVariablesOverTheOneFilesystem() {
    sandbox.shell("a", "mkdir -p da && cd da && export X=a", T);
    sandbox.shell("b", "export X=b", T);
    ExecResult a = sandbox.shell("a", "basename \"$PWD\"; echo $X; echo from-a > note", T);
    ExecResult b = sandbox.shell("b", "basename \"$PWD\"; echo $X; cat da/note", T);
    ExecResult main = sandbox.shell("echo \"[${X:-}]\"", T);
    assertThat(a.output()).isEqualTo("da\na\n");
    assertThat(b.output()).endsWith("\nb\nfrom-a\n").doesNotStartWith("da\n");
    assertThat(main.output()).isEqualTo("[]\n");
  }

  @Test
  void twoNamedShellsRunCommandsAtTheSameTime() throws Exception {
    // a waits for a file that only b makes: were the shells' calls serialised, a would time out.
    var waiter =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () ->
                sandbox.shell(
                    "a",
                    "until [ -e go ]; do sleep 0.05; done; echo released",
                    Duration.ofSeconds(8)),
            java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    Thread.sleep(300); // give a's command time to start waiting (not needed for correctness)
    assertThat(sandbox.shell("b", "touch go && echo made", T).output()).isEqualTo("made\n");
    ExecResult a = waiter.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(a.timedOut()).isFalse();
    assertThat(a.output()).isEqualTo("released\n");
  }

  @Test
  void restartingOneNamedShellKeepsTheOthers() {
    sandbox.shell("a", "mkdir -p ra && cd ra && export KEEP=a", T);
    sandbox.shell("b", "mkdir -p rb && cd rb && export KEEP=b", T);
    sandbox.restartShell("a");
    assertThat(sandbox.shell("a", "echo \"[${KEEP:-}]\"", T).output()).isEqualTo("[]\n");
    assertThat(sandbox.shell("b", "basename \"$PWD\"; echo $KEEP", T).output())
        .isEqualTo("rb\nb\n");
  }

  @Test
  void interruptingANamedShellEndsItsCommand_andTheOtherShellsRunOn() throws Exception {
    sandbox.shell("a", "mkdir -p ia && cd ia && export KEEP=a", T);
    sandbox.shell("b", "mkdir -p ib && cd ib && export KEEP=b", T);
    var running =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> sandbox.shell("b", "touch ../b-runs && sleep 100", Duration.ofSeconds(30)),
            java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    // Only once b's command runs: an interrupt before it would leave nothing to stop.
    for (int i = 0; i < 200 && !Files.exists(workspace.resolve("b-runs")); i++) {
      Thread.sleep(50);
    }
    assertThat(workspace.resolve("b-runs")).exists();
    sandbox.interruptShell("b");
    ExecResult stopped = running.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(stopped.timedOut()).isFalse();
    assertThat(sandbox.shell("a", "basename \"$PWD\"; echo $KEEP", T).output())
        .isEqualTo("ia\na\n");
    assertThat(sandbox.shell("b", "basename \"$PWD\"; echo $KEEP", T).output()).endsWith("ib\nb\n");
  }

  @Test
  void closingTheSandboxEndsACommandInANamedShell() throws Exception {
    sandbox.shell("a", "true", T);
    var running =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> sandbox.shell("b", "sleep 100", Duration.ofSeconds(30)),
            java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    Thread.sleep(300); // let b's command start (a close before it only makes it refuse sooner)
    sandbox.close();
    try {
      running.get(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException refusedAfterClose) {
      // b's call began after the close: refused, which also ends it
    }
    assertThat(running).isDone();
  }

  @Test
  void aClosedSandboxIsNotAliveAndRefusesWork() {
    assertThat(sandbox.isAlive()).isTrue();
    sandbox.close();
    assertThat(sandbox.isAlive()).isFalse();
    assertThatThrownBy(() -> sandbox.shell("true", T)).isInstanceOf(RuntimeException.class);
    sandbox.close(); // idempotent
  }
}
