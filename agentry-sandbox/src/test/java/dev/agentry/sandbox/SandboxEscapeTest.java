package dev.agentry.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.ExecResult;
import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxLimits;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks from the threat model (docs/security.md), each checking what the agent saw and that the
 * host is untouched. A check that something does not show up also runs a positive control (the same
 * command shape where it is allowed does show it) or asserts the exact error, so empty output from
 * a broken command cannot pass. Limits are small so that tripping them is quick.
 */
class SandboxEscapeTest {
  private static final Duration T = Duration.ofSeconds(10);
  static final SandboxLimits SMALL =
      new SandboxLimits(
          64,
          128L << 20,
          100,
          Duration.ofSeconds(10),
          Duration.ofSeconds(30),
          64 * 1024,
          8L << 20,
          24L << 20,
          16L << 20,
          Duration.ofMinutes(1));

  @TempDir Path dataDir;
  Path workspace;
  Path sibling;
  Sandbox sandbox;

  @BeforeEach
  void setUp() throws IOException {
    workspace = Files.createDirectories(dataDir.resolve("workspaces/mine"));
    sibling = Files.createDirectories(dataDir.resolve("workspaces/theirs"));
    Files.writeString(sibling.resolve("secret.txt"), "SIBLING-SECRET");
    Files.writeString(dataDir.resolve("master.key"), "DATA-DIR-SECRET");
    sandbox = BubblewrapSandboxTest.PROVIDER.provision("escape", workspace, SMALL);
  }

  @AfterEach
  void tearDown() {
    sandbox.close();
  }

  private ExecResult sh(String cmd) {
    return sandbox.shell(cmd, T);
  }

  @Test
  void etcShadowIsNotThere() throws IOException {
    ExecResult r = sh("cat /etc/shadow");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.output()).contains("No such file");
    assertThat(Files.exists(Path.of("/etc/shadow"))).isTrue();
  }

  @Test
  void rootHomeIsNotVisible() {
    ExecResult r = sh("ls /root /home");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.output()).contains("No such file");
  }

  @Test
  void siblingWorkspacesAndTheDataDirAreUnreachable() {
    String abs = sibling.resolve("secret.txt").toString();
    ExecResult r =
        sh(
            "cat ../theirs/secret.txt; cat ../../master.key; cat "
                + abs
                + "; cat "
                + dataDir.resolve("master.key")
                + "; cat /workspace/../theirs/secret.txt");
    assertThat(r.output()).doesNotContain("SIBLING-SECRET").doesNotContain("DATA-DIR-SECRET");
    assertThat(r.output().lines().filter(l -> l.endsWith(": No such file or directory")))
        .as(r.output())
        .hasSize(5);
    ExecResult listing = sh("ls -a .. /");
    assertThat(listing.output()).doesNotContain("theirs").doesNotContain("master.key");
    assertThat(listing.output()).as("the listing itself works").contains("workspace", "usr");
    ExecResult link = sh("ln -s " + abs + " l && cat l");
    assertThat(link.output()).doesNotContain("SIBLING-SECRET").contains("No such file");

    // Positive control: the same shapes on the session's own workspace do print the file.
    sh("echo OWN-CONTENT > own.txt");
    ExecResult own = sh("cat own.txt; cat /workspace/own.txt; ln -s /workspace/own.txt o && cat o");
    assertThat(own.output()).isEqualTo("OWN-CONTENT\n".repeat(3));
  }

  @Test
  void noHostEnvironmentLeaksThroughProcOrEnv() {
    ExecResult r = sh("tr '\\0' '\\n' < /proc/1/environ; echo ---; env");
    assertThat(r.output())
        .doesNotContain("JAVA_HOME")
        .doesNotContain("AGENTRY_")
        .doesNotContain("ANTHROPIC_")
        .doesNotContain("MAVEN");
    // Positive control: the command did print both environments (the sandbox's own variables).
    assertThat(r.output())
        .contains("---")
        .contains("PATH=" + BwrapLauncher.SANDBOX_PATH)
        .contains("HOME=/workspace");
    String hostPath = System.getenv("PATH");
    if (hostPath != null && !hostPath.equals(BwrapLauncher.SANDBOX_PATH)) {
      assertThat(r.output()).doesNotContain("PATH=" + hostPath);
    }
  }

  @Test
  void theServerProcessIsInvisible() {
    long pid = ProcessHandle.current().pid();
    ExecResult r = sh("kill -0 " + pid + "; test -e /proc/" + pid + " && echo VISIBLE; ls /proc");
    assertThat(r.output()).contains("No such process").doesNotContain("VISIBLE");
    // Positive control: the sandbox's own pid 1 is visible to the same test.
    assertThat(sh("test -e /proc/1 && echo VISIBLE").output()).isEqualTo("VISIBLE\n");
    assertThat(ProcessHandle.current().isAlive()).isTrue();
  }

  @Test
  void nothingGetsOut_underTheDefaultPolicy() throws IOException {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      server.setSoTimeout(300);
      int port = server.getLocalPort();
      // The default policy lets nothing out, so the sandbox gets no proxy at all: direct, via a
      // would-be proxy port, by IP, by name, and DNS all fail. (Relays through the proxy for
      // policies that allow something are refused per host: see EgressTest.)
      ExecResult r =
          sh(
              "curl -sS --max-time 5 http://127.0.0.1:"
                  + port
                  + "/ 2>&1; echo c1=$?; curl -sS --max-time 5 -x http://127.0.0.1:3128 http://localhost:"
                  + port
                  + "/ 2>&1; echo c2=$?; curl -sS --max-time 5 http://example.com/ 2>&1; echo c3=$?;"
                  + " getent hosts example.com; echo rc=$?");
      // Every curl ran and failed (a non-zero exit code), and the name did not resolve.
      assertThat(r.output())
          .containsPattern("c1=[1-9]")
          .containsPattern("c2=[1-9]")
          .containsPattern("c3=[1-9]")
          .contains("rc=2");
      boolean accepted;
      try {
        server.accept().close();
        accepted = true;
      } catch (SocketTimeoutException e) {
        accepted = false;
      }
      assertThat(accepted).as("the host server saw a connection").isFalse();
    }
  }

  @Test
  void hostLoopbackServicesAreUnreachable() throws IOException {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      server.setSoTimeout(300);
      ExecResult r = sh("bash -c 'echo hi > /dev/tcp/127.0.0.1/" + server.getLocalPort() + "'");
      assertThat(r.exitCode()).isNotZero();
      assertThat(r.output()).contains("Connection refused");
      boolean accepted;
      try {
        server.accept().close();
        accepted = true;
      } catch (SocketTimeoutException e) {
        accepted = false;
      }
      assertThat(accepted).as("the host server saw a connection").isFalse();
    }
  }

  @Test
  void dnsDoesNotResolve() {
    assertThat(sh("getent hosts example.com").exitCode()).isNotZero();
  }

  @Test
  void noCapabilitiesAndNoNewPrivileges() {
    ExecResult r = sh("grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status");
    assertThat(r.output())
        .contains("CapInh:\t0000000000000000")
        .contains("CapPrm:\t0000000000000000")
        .contains("CapEff:\t0000000000000000")
        .contains("CapBnd:\t0000000000000000")
        .contains("CapAmb:\t0000000000000000")
        .contains("NoNewPrivs:\t1")
        .contains("Seccomp:\t2");
  }

  @Test
  void theRootFilesystemIsReadOnly() {
    ExecResult r = sh("touch /usr/agentry-x; touch /agentry-x; echo ok > /workspace/ok");
    assertThat(r.output()).contains("Read-only file system");
    assertThat(Files.exists(Path.of("/usr/agentry-x"))).isFalse();
    assertThat(Files.exists(workspace.resolve("ok"))).isTrue();
  }

  @Test
  void aForkBombIsBoundedAndTheSandboxRecovers() {
    long start = System.nanoTime();
    ExecResult r =
        sandbox.shell("bomb() { bomb | bomb & }; bomb; sleep 2; echo done", Duration.ofSeconds(4));
    assertThat(r.failure()).isIn("processes", "timeout");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    assertThat(sh("echo alive").output()).endsWith("alive\n");
  }

  @Test
  void aMemoryHogFailsThatCallOnly() {
    ExecResult r =
        sh(
            "python3 -c 'b=[]\nfor _ in range(4096): b.append(bytearray(1<<20))\nprint(\"sur\" + \"vived\")'");
    assertThat(r.failure()).isEqualTo("memory");
    assertThat(r.output()).doesNotContain("survived").contains("memory limit");
    assertThat(sh("echo alive").output()).endsWith("alive\n");
  }

  @Test
  void aFileCannotGrowPastTheFileSizeLimit() throws IOException {
    ExecResult r = sh("dd if=/dev/zero of=big bs=1M count=64");
    assertThat(r.failure()).isEqualTo("file_size");
    assertThat(Files.size(workspace.resolve("big"))).isEqualTo(8L << 20);
  }

  @Test
  void aWorkspaceOverItsQuotaFailsTheCall() {
    ExecResult r = sh("for i in 1 2 3 4; do head -c 7000000 /dev/zero > f$i; done");
    assertThat(r.failure()).isEqualTo("disk");
    assertThat(r.output()).contains("quota");
  }

  @Test
  void sleepInfinityTimesOut() {
    ExecResult r = sandbox.shell("sleep infinity", Duration.ofMillis(700));
    assertThat(r.timedOut()).isTrue();
    assertThat(sh("echo alive").output()).endsWith("alive\n");
  }

  @Test
  void aDaemonDoesNotSurviveClose() throws Exception {
    String marker = "24681357";
    sh("setsid nohup sleep " + marker + " >/dev/null 2>&1 &");
    long started = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (hostProcessesWith(marker).isEmpty() && System.nanoTime() < started) {
      Thread.sleep(20); // the daemon is forked and exec'd asynchronously
    }
    assertThat(hostProcessesWith(marker)).isNotEmpty();
    sandbox.close();
    long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (!hostProcessesWith(marker).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(hostProcessesWith(marker)).isEmpty();
    assertThat(sandbox.isAlive()).isFalse();
  }

  @Test
  void seccompDeniesNamespacesAndPtrace() {
    assertThat(sh("unshare -U true").exitCode()).isNotZero();
    ExecResult r =
        sandbox.exec(
            List.of(
                "/usr/bin/python3",
                "-c",
                "import ctypes; l=ctypes.CDLL(None, use_errno=True);"
                    + " print(l.ptrace(0,0,0,0), ctypes.get_errno()); print(l.syscall(321,0,0,0),"
                    + " ctypes.get_errno())"),
            null,
            T);
    assertThat(r.output()).isEqualTo("-1 1\n-1 1\n");
  }

  private static List<Long> hostProcessesWith(String marker) throws IOException {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs
          .filter(p -> p.getFileName().toString().matches("\\d+"))
          .filter(
              p -> {
                try {
                  // The sleep itself, not a shell or setsid on its way to exec it: those are
                  // short-lived and would make the first sighting flaky.
                  return new String(Files.readAllBytes(p.resolve("cmdline")))
                      .matches("(/usr)?(/bin/)?sleep\0" + marker + "\0?");
                } catch (IOException e) {
                  return false;
                }
              })
          .map(p -> Long.parseLong(p.getFileName().toString()))
          .toList();
    }
  }
}
