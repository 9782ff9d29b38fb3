package dev.agentry.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.SandboxException;
import dev.agentry.core.SandboxMount;
import dev.agentry.core.SandboxProvider;
import dev.agentry.testkit.SandboxContract;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BubblewrapSandboxTest extends SandboxContract {
  static final SandboxProvider PROVIDER =
      new BubblewrapProvider(10001, 10001, Path.of("/sys/fs/cgroup"));

  @Override
  protected SandboxProvider provider() {
    return PROVIDER;
  }

  @Test
  void theShellRunsAsTheUnprivilegedAgentInsideTheWorkspace() {
    assertThat(sandbox.shell("id -un; pwd; hostname", T).output())
        .isEqualTo("agent\n/workspace\nsandbox\n");
  }

  @Test
  void enforcementNamesEachMechanism() {
    Map<String, String> e = PROVIDER.enforcement();
    assertThat(e).containsKeys("isolation", "memory", "processes", "cpu", "file_size", "disk");
    assertThat(e.get("isolation")).contains("bubblewrap").contains("seccomp");
    assertThat(e.get("file_size")).isEqualTo("RLIMIT_FSIZE");
  }

  @Test
  void closingRemovesTheSandboxCgroups() {
    // Other test JVMs may have sandboxes open at the same time: only this one's cgroup is checked.
    String name = ((ProcessSandbox) sandbox).id();
    assertThat(Path.of("/sys/fs/cgroup/pids/agentry", name)).exists();
    sandbox.close();
    assertThat(Path.of("/sys/fs/cgroup/pids/agentry").toFile().list())
        .as("cgroups of open sandboxes of other tests may exist; this one is gone")
        .doesNotContain(name);
  }

  @Test
  void coldStartAndWarmRoundTripAreFast(@org.junit.jupiter.api.io.TempDir Path other) {
    long t0 = System.nanoTime();
    try (var sb = PROVIDER.provision("timing", other, limits())) {
      long cold = System.nanoTime() - t0;
      long[] rtt = new long[50];
      for (int i = 0; i < rtt.length; i++) {
        long s = System.nanoTime();
        sb.shell("echo hi", T);
        rtt[i] = System.nanoTime() - s;
      }
      long e0 = System.nanoTime();
      sb.exec(java.util.List.of("/bin/true"), null, T);
      long exec = System.nanoTime() - e0;
      java.util.Arrays.sort(rtt);
      System.out.printf(
          "sandbox cold start %.1f ms, warm shell round trip median %.2f ms, exec %.1f ms%n",
          cold / 1e6, rtt[rtt.length / 2] / 1e6, exec / 1e6);
      assertThat(rtt[rtt.length / 2]).isLessThan(50_000_000L);
    }
  }

  /**
   * A read-only mount is read-only because of the mount: its source belongs to the sandbox uid and
   * is writable by mode, so only the bind refuses the write (EROFS, not EACCES). A writable mount
   * writes through to the host; targets get their parents made.
   */
  @Test
  void mounts_areBoundAtTheirTargets_readOnlyByTheMount(
      @org.junit.jupiter.api.io.TempDir Path other, @org.junit.jupiter.api.io.TempDir Path host)
      throws Exception {
    Path file = java.nio.file.Files.writeString(host.resolve("input.csv"), "a,b\n1,2\n");
    Path outputs = java.nio.file.Files.createDirectories(host.resolve("outputs"));
    var mounts =
        java.util.List.of(
            new SandboxMount(file, "/mnt/session/uploads/deep/input.csv", true),
            new SandboxMount(outputs, "/mnt/session/outputs", false));
    try (var sb = PROVIDER.provision("mounts", other, limits(), mounts)) {
      assertThat(sb.shell("cat /mnt/session/uploads/deep/input.csv", T).output())
          .isEqualTo("a,b\n1,2\n");
      var write = sb.shell("echo changed > /mnt/session/uploads/deep/input.csv", T);
      assertThat(write.exitCode()).isNotZero();
      assertThat(write.output()).contains("Read-only file system");
      assertThat(sb.shell("echo made > /mnt/session/outputs/x.txt", T).exitCode()).isZero();
    }
    assertThat(java.nio.file.Files.readString(file)).isEqualTo("a,b\n1,2\n");
    assertThat(java.nio.file.Files.readString(outputs.resolve("x.txt"))).isEqualTo("made\n");
  }

  @Test
  void aMissingWorkspaceIsAClearSandboxException() {
    assertThatThrownBy(() -> PROVIDER.provision("x", Path.of("/nonexistent/ws"), limits()))
        .isInstanceOf(SandboxException.class)
        .hasMessageContaining("workspace");
  }
}
