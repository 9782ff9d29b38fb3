package dev.agentry.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.ExecResult;
import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cheaper launch chain (RLIMIT_FSIZE set by the wrapper's {@code ulimit -f} instead of an
 * exec'd prlimit) and the shortened shell protocol (trailer defined once per shell) keep their
 * semantics.
 */
class LaunchAndProtocolTest {
  private static final Duration T = Duration.ofSeconds(10);

  @TempDir Path workspace;

  private static SandboxLimits limits(long maxFileBytes) {
    return new SandboxLimits(
        128,
        256L << 20,
        100,
        Duration.ofSeconds(10),
        Duration.ofSeconds(30),
        100 * 1024,
        maxFileBytes,
        64L << 20,
        16L << 20,
        Duration.ofMinutes(1));
  }

  private static String fileSizeLimits(Sandbox sb) {
    return sb.shell("grep 'Max file size' /proc/self/limits", T).output().trim();
  }

  @Test
  void fileSizeLimitIsExactAndHardWhetherSetByUlimitOrPrlimit() {
    // A whole number of 512-byte blocks: set by the wrapper; not one: prlimit, as before.
    for (long bytes : new long[] {3L << 20, (3L << 20) + 1}) {
      try (Sandbox sb =
          BubblewrapSandboxTest.PROVIDER.provision("fsize", workspace, limits(bytes))) {
        assertThat(fileSizeLimits(sb).split("\\s+")).contains("" + bytes).hasSize(6);
        assertThat(fileSizeLimits(sb)).matches("Max file size\\s+" + bytes + "\\s+" + bytes + ".*");
        assertThat(sb.shell("ulimit -H -f unlimited", T).exitCode()).isNotZero();
        ExecResult r = sb.shell("head -c " + (bytes + 4096) + " /dev/zero > big", T);
        assertThat(r.failure()).isEqualTo("file_size");
      }
    }
  }

  @Test
  void theShellProtocolKeepsTopLevelSemantics() throws Exception {
    try (Sandbox sb =
        BubblewrapSandboxTest.PROVIDER.provision("proto", workspace, limits(1 << 20))) {
      // Runs at top level, not in a function: `return` is an error, declare makes globals.
      ExecResult ret = sb.shell("return 3", T);
      assertThat(ret.timedOut()).isFalse();
      assertThat(ret.output()).contains("return");
      assertThat(sb.shell("declare -A m=([k]=v); x=1", T).exitCode()).isZero();
      assertThat(sb.shell("echo ${m[k]} $x", T).output()).isEqualTo("v 1\n");
      // Exit codes survive the trailer; the call's marker id is not visible to the command.
      assertThat(sb.shell("(exit 7)", T).exitCode()).isEqualTo(7);
      assertThat(sb.shell("echo ${__agentry_id:-none}", T).output()).isEqualTo("none\n");
      // State capture still works after a timeout.
      sb.shell("cd /tmp && export KEEP=yes", T);
      long t0 = System.nanoTime();
      assertThat(sb.shell("sleep 30", Duration.ofMillis(500)).timedOut()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
      assertThat(sb.shell("echo $PWD $KEEP", T).output()).endsWith("/tmp yes\n");
      // The caller reads the pipe itself: a daemon holding it open does not outlive the kill.
      t0 = System.nanoTime();
      ExecResult held = sb.shell("setsid sleep 60 & sleep 60", Duration.ofMillis(500));
      assertThat(held.timedOut()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
      assertThat(sb.shell("echo $PWD $KEEP", T).output()).endsWith("/tmp yes\n");
      // A command that breaks the trailer costs itself a timeout, then a fresh shell.
      assertThat(sb.shell("unset __agentry_post", Duration.ofMillis(500)).timedOut()).isTrue();
      assertThat(sb.shell("echo ok", T).output()).endsWith("ok\n");
    }
    assertThat(Files.isDirectory(workspace)).isTrue();
  }

  @Test
  void closeKillsEverythingAndRemovesTheCgroupsBeforeReturning() {
    Sandbox sb = BubblewrapSandboxTest.PROVIDER.provision("close", workspace, limits(1 << 20));
    sb.shell("setsid sleep 97531 >/dev/null 2>&1 &", T);
    List<String> before = cgroupChildren();
    sb.close();
    List<String> after = cgroupChildren();
    assertThat(after.size()).isLessThan(before.size());
    assertThat(
            ProcessHandle.allProcesses()
                .filter(
                    p -> p.info().arguments().map(a -> List.of(a).contains("97531")).orElse(false))
                .toList())
        .isEmpty();
  }

  private static List<String> cgroupChildren() {
    String[] kids = Path.of("/sys/fs/cgroup/pids/agentry").toFile().list();
    return kids == null
        ? List.of()
        : List.of(kids).stream().filter(n -> n.startsWith("sb-")).toList();
  }
}
