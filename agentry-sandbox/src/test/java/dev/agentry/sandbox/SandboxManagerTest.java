package dev.agentry.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxLimits;
import dev.agentry.core.SandboxProvider;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxManagerTest {
  static final SandboxLimits LIMITS =
      new SandboxLimits(
          64,
          512L << 20,
          100,
          Duration.ofSeconds(20),
          Duration.ofSeconds(30),
          100 * 1024,
          64L << 20,
          1L << 30,
          64L << 20,
          Duration.ofMinutes(15));

  /** The real bubblewrap provider, counting provisions. */
  static final class CountingProvider implements SandboxProvider {
    final SandboxProvider real = Sandboxes.bubblewrap();
    final AtomicInteger provisions = new AtomicInteger();

    @Override
    public Sandbox provision(String sessionId, Path workspace, SandboxLimits limits) {
      provisions.incrementAndGet();
      return real.provision(sessionId, workspace, limits);
    }

    @Override
    public java.util.Map<String, String> enforcement() {
      return real.enforcement();
    }
  }

  /** A clock the test moves by hand. */
  static final class ManualClock extends Clock {
    volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  @TempDir Path dataDir;
  ScheduledExecutorService scheduler;
  CountingProvider provider;
  ManualClock clock;
  Workspaces workspaces;
  SandboxManager manager;

  /**
   * Sandboxes run under their own uid, which must traverse the data dir (a JUnit temp dir is {@code
   * rwx------}) and own the files a test puts in a workspace behind the sandbox's back.
   */
  static void traversable(Path dataDir) {
    try {
      Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx--x--x"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Writes {@code bytes} at {@code ws/rel} (parents made) owned by the sandbox uid. */
  static Path put(Path ws, String rel, byte[] bytes) {
    try {
      Path file = ws.resolve(rel);
      Files.createDirectories(file.getParent());
      Files.write(file, bytes);
      for (Path p = file; !p.equals(ws); p = p.getParent()) {
        Files.setAttribute(p, "unix:uid", Sandboxes.DEFAULT_UID, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", Sandboxes.DEFAULT_UID, LinkOption.NOFOLLOW_LINKS);
      }
      return file;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static Path put(Path ws, String rel, String text) {
    return put(ws, rel, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @BeforeEach
  void setUp() {
    traversable(dataDir);
    scheduler = Executors.newSingleThreadScheduledExecutor();
    provider = new CountingProvider();
    clock = new ManualClock();
    workspaces = Workspaces.of(dataDir);
    manager = SandboxManager.create(provider, workspaces, LIMITS, clock, scheduler);
  }

  @AfterEach
  void tearDown() {
    manager.close();
    scheduler.shutdownNow();
  }

  @Test
  void sandboxFor_isLazy_nothingStartsBeforeTheFirstCall() {
    assertThat(provider.provisions.get()).isZero();
    assertThat(manager.alive()).isZero();
    assertThat(workspaces.exists("sesn_lazy")).isFalse();

    manager.sandboxFor("sesn_lazy");

    assertThat(provider.provisions.get()).isEqualTo(1);
    assertThat(manager.alive()).isEqualTo(1);
    assertThat(workspaces.exists("sesn_lazy")).isTrue();
  }

  @Test
  void prepare_startsTheSandboxInTheBackground_andTheFirstCallGetsThatOne() {
    manager.prepare("sesn_ahead1");
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> manager.alive() == 1);

    manager.prepare("sesn_ahead1"); // already running: nothing more starts
    Sandbox first = manager.sandboxFor("sesn_ahead1");

    assertThat(first.shell("echo ready", Duration.ofSeconds(5)).output()).contains("ready");
    assertThat(provider.provisions.get()).isEqualTo(1);
  }

  @Test
  void prepare_thenACallAtOnce_startOneSandbox() {
    manager.prepare("sesn_aheadrace");
    Sandbox first = manager.sandboxFor("sesn_aheadrace"); // waits for the start under way

    assertThat(first.shell("echo ok", Duration.ofSeconds(5)).output()).contains("ok");
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !manager.starting("sesn_aheadrace"));
    assertThat(provider.provisions.get()).isEqualTo(1);
    assertThat(manager.sandboxFor("sesn_aheadrace")).isSameAs(first);
  }

  @Test
  void prepare_ofAClosedManagerOrANonSessionId_startsNothing() {
    manager.prepare("not-a-session");
    manager.close();
    manager.prepare("sesn_closed");

    assertThat(manager.starting("sesn_closed")).isFalse();
    assertThat(provider.provisions.get()).isZero();
  }

  @Test
  void sandboxFor_twice_reusesTheSameSandboxAndShell() {
    Sandbox first = manager.sandboxFor("sesn_reuse");
    first.shell("export KEPT=yes", Duration.ofSeconds(5));
    Sandbox second = manager.sandboxFor("sesn_reuse");

    assertThat(second).isSameAs(first);
    assertThat(second.shell("echo $KEPT", Duration.ofSeconds(5)).output()).contains("yes");
    assertThat(provider.provisions.get()).isEqualTo(1);
  }

  @Test
  void sandboxFor_concurrentFirstCalls_startOneSandbox() throws Exception {
    var pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Sandbox>> futures = new ArrayList<>();
      Callable<Sandbox> call = () -> manager.sandboxFor("sesn_race");
      for (int i = 0; i < 8; i++) {
        futures.add(pool.submit(call));
      }
      Sandbox first = futures.get(0).get();
      for (Future<Sandbox> f : futures) {
        assertThat(f.get()).isSameAs(first);
      }
      assertThat(provider.provisions.get()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sandboxFor_afterTheSandboxWasClosed_startsANewOneOverTheSameWorkspace() {
    Sandbox first = manager.sandboxFor("sesn_recreate");
    first.shell("echo kept > note.txt", Duration.ofSeconds(5));
    first.close();

    Sandbox second = manager.sandboxFor("sesn_recreate");

    assertThat(second).isNotSameAs(first);
    assertThat(second.isAlive()).isTrue();
    assertThat(second.shell("cat note.txt", Duration.ofSeconds(5)).output()).contains("kept");
    assertThat(provider.provisions.get()).isEqualTo(2);
  }

  @Test
  void release_closesTheSandbox_keepsTheWorkspace_andTheNextCallStartsAnew() throws Exception {
    manager.sandboxFor("sesn_release").shell("echo x > f", Duration.ofSeconds(5));
    manager.release("sesn_release");

    assertThat(manager.alive()).isZero();
    assertThat(Files.readString(workspaces.path("sesn_release").resolve("f"))).isEqualTo("x\n");
    assertThat(manager.sandboxFor("sesn_release").isAlive()).isTrue();
    assertThat(provider.provisions.get()).isEqualTo(2);
  }

  @Test
  void reclaimIdle_closesSandboxesUnusedForTheIdleTimeout_only() {
    Sandbox idle = manager.sandboxFor("sesn_idle");
    clock.advance(Duration.ofMinutes(10));
    Sandbox busy = manager.sandboxFor("sesn_busy");

    clock.advance(Duration.ofMinutes(6));
    assertThat(manager.reclaimIdle()).isEqualTo(1);

    assertThat(idle.isAlive()).isFalse();
    assertThat(busy.isAlive()).isTrue();
    assertThat(manager.alive()).isEqualTo(1);
    assertThat(manager.sandboxFor("sesn_idle")).isNotSameAs(idle);
  }

  @Test
  void reclaimIdle_keepsASandboxWithACallInFlight() throws Exception {
    Sandbox sandbox = manager.sandboxFor("sesn_inflight");
    var pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> call =
          pool.submit(() -> sandbox.shell("touch started; sleep 2", Duration.ofSeconds(10)));
      Path started = workspaces.path("sesn_inflight").resolve("started");
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> Files.exists(started));
      clock.advance(Duration.ofHours(1));

      assertThat(manager.reclaimIdle()).isZero();
      call.get();
      assertThat(sandbox.isAlive()).isTrue();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void deleteSession_closesTheSandboxAndRemovesTheWorkspace() {
    Sandbox sandbox = manager.sandboxFor("sesn_delete");
    sandbox.shell("mkdir -p a/b && echo x > a/b/c", Duration.ofSeconds(5));

    manager.deleteSession("sesn_delete");

    assertThat(sandbox.isAlive()).isFalse();
    assertThat(workspaces.exists("sesn_delete")).isFalse();
    assertThat(manager.alive()).isZero();
  }

  @Test
  void close_closesEverySandbox_andLaterCallsFail() {
    Sandbox a = manager.sandboxFor("sesn_a");
    Sandbox b = manager.sandboxFor("sesn_b");

    manager.close();

    assertThat(a.isAlive()).isFalse();
    assertThat(b.isAlive()).isFalse();
    assertThatThrownBy(() -> manager.sandboxFor("sesn_a"))
        .isInstanceOf(dev.agentry.core.SandboxException.class);
  }

  @Test
  void sandboxFor_aTraversingSessionId_isRefused() {
    assertThatThrownBy(() -> manager.sandboxFor("sesn_../../etc"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> manager.sandboxFor("../sesn_x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(provider.provisions.get()).isZero();
  }

  @Test
  void workspacesRemove_deletesLinksAsLinks_neverWhatTheyPointTo(@TempDir Path outside)
      throws Exception {
    Path victim = Files.writeString(outside.resolve("victim.txt"), "keep me");
    Path ws = workspaces.create("sesn_links");
    Files.createSymbolicLink(ws.resolve("dirlink"), outside);
    Files.createSymbolicLink(ws.resolve("filelink"), victim);

    workspaces.remove("sesn_links");

    assertThat(workspaces.exists("sesn_links")).isFalse();
    assertThat(victim).hasContent("keep me");
  }
}
