package dev.agentry.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.ExecResult;
import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closing a sandbox (what an interrupt does) stops a long command at once. */
class SandboxCloseTest {
  @TempDir Path dataDir;

  @Test
  void close_duringALongCommand_returnsTheCallPromptly() throws Exception {
    SandboxManagerTest.traversable(dataDir);
    Path ws = Workspaces.of(dataDir).create("sesn_close1");
    Sandbox sandbox = Sandboxes.bubblewrap().provision("sesn_close1", ws, SandboxLimits.DEFAULTS);
    CompletableFuture<ExecResult> call =
        CompletableFuture.supplyAsync(
            () -> sandbox.shell("touch started; sleep 30", Duration.ofSeconds(60)));
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> java.nio.file.Files.exists(ws.resolve("started")));
    long start = System.nanoTime();
    sandbox.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    ExecResult result = call.get(5, TimeUnit.SECONDS);
    assertThat(result.output()).contains("closed");
    assertThat(sandbox.isAlive()).isFalse();
  }
}
