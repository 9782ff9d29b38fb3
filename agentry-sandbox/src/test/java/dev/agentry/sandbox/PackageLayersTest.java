package dev.agentry.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.EnvironmentConfig.Packages;
import dev.agentry.core.ExecResult;
import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxLimits;
import dev.agentry.core.SandboxMount;
import dev.agentry.testkit.PipTestIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Package layers built in real bubblewrap sandboxes. The apt and npm cases reach Debian's mirror
 * and the npm registry (tag {@code network}: they fail, not skip, where those are unreachable); pip
 * installs from a loopback index, since PyPI is unreachable on the build machine.
 */
class PackageLayersTest {
  static final BubblewrapProvider PROVIDER =
      new BubblewrapProvider(10001, 10001, Path.of("/sys/fs/cgroup"));
  static final Duration T = Duration.ofSeconds(60);
  static PipTestIndex index;

  @TempDir Path dir;

  @BeforeAll
  static void startIndex() {
    index = PipTestIndex.start();
  }

  @AfterAll
  static void stopIndex() {
    index.close();
  }

  static Packages packages(List<String> apt, List<String> npm, List<String> pip) {
    return new Packages(apt, List.of(), List.of(), List.of(), npm, pip);
  }

  PackageLayers layers() {
    return PackageLayers.create(
        PROVIDER,
        dir.resolve("layers"),
        SandboxLimits.DEFAULTS,
        Clock.systemUTC(),
        Optional.of(index.url()));
  }

  ExecResult run(SandboxMount layer, String command) throws Exception {
    Path ws = Files.createDirectories(dir.resolve("ws-" + System.nanoTime()));
    try (Sandbox sb =
        PROVIDER.provision("sesn_pkgtest", ws, SandboxLimits.DEFAULTS, List.of(layer))) {
      return sb.shell(command, T);
    }
  }

  @Test
  @Tag("network")
  void aptAndNpmPackages_runFromBash_andTheLayerIsReused() throws Exception {
    PackageLayers layers = layers();
    Packages p = packages(List.of("cowsay"), List.of("left-pad"), List.of());
    SandboxMount layer = layers.mountFor(p).orElseThrow();
    assertThat(layers.builds()).isEqualTo(1);
    assertThat(layer.readOnly()).isTrue();

    ExecResult r =
        run(
            layer,
            "cowsay moo-from-apt && node -e \"console.log(require('left-pad')('7', 3, '0'))\""
                + " && touch /opt/agentry/packages/x; echo rc=$?");
    assertThat(r.output()).contains("moo-from-apt").contains("(oo)").contains("007");
    assertThat(r.output()).contains("Read-only file system").contains("rc=1");

    SandboxMount again = layers.mountFor(p).orElseThrow();
    assertThat(again.source()).isEqualTo(layer.source());
    assertThat(layers.builds()).isEqualTo(1);
  }

  @Test
  void pipPackage_fromTheLoopbackIndex_importsAndRuns() throws Exception {
    PackageLayers layers = layers();
    SandboxMount layer =
        layers
            .mountFor(packages(List.of(), List.of(), List.of(PipTestIndex.PACKAGE)))
            .orElseThrow();
    ExecResult r =
        run(
            layer,
            "python3 -c 'import agentry_hello; print(agentry_hello.GREETING)' && agentry-hello");
    assertThat(r.output().lines().filter(l -> l.equals(PipTestIndex.GREETING)).count())
        .as(r.output())
        .isEqualTo(2);
  }

  @Test
  void concurrentFirstCalls_waitForOneBuild() throws Exception {
    PackageLayers layers = layers();
    Packages p = packages(List.of(), List.of(), List.of(PipTestIndex.PACKAGE + "==1.0"));
    int before = index.downloads();
    var a = CompletableFuture.supplyAsync(() -> layers.mountFor(p).orElseThrow());
    var b = CompletableFuture.supplyAsync(() -> layers.mountFor(p).orElseThrow());
    assertThat(a.get().source()).isEqualTo(b.get().source());
    assertThat(layers.builds()).isEqualTo(1);
    assertThat(index.downloads() - before).isEqualTo(1);
  }

  @Test
  void failedInstall_namesTheManagerAndPackage_andLeavesNoLayer() throws Exception {
    PackageLayers layers = layers();
    Packages p = packages(List.of(), List.of(), List.of(PipTestIndex.PACKAGE, "no-such-wheel-zz9"));
    assertThatThrownBy(() -> layers.mountFor(p))
        .isInstanceOfSatisfying(
            PackageInstallException.class,
            e -> {
              assertThat(e.manager()).isEqualTo("pip");
              assertThat(e.packageName()).isEqualTo("no-such-wheel-zz9");
              assertThat(e.detail()).contains("no-such-wheel-zz9");
            });
    try (Stream<Path> s = Files.list(dir.resolve("layers"))) {
      assertThat(s.toList()).as("no layer, no half-built directory").isEmpty();
    }
    // reported again without a second build while the failure is fresh
    assertThatThrownBy(() -> layers.mountFor(p)).isInstanceOf(PackageInstallException.class);
    assertThat(layers.builds()).isEqualTo(1);
  }

  @Test
  void noPackages_noLayer() {
    assertThat(layers().mountFor(Packages.NONE)).isEmpty();
  }

  @Test
  void culprit_isThePackageTheOutputNamesLast_elseTheWholeList() {
    assertThat(
            PackageLayers.culprit(
                List.of("pkg-one", "pkg-two"), "Collecting pkg-one\nERROR: no pkg-two\n"))
        .isEqualTo("pkg-two");
    assertThat(PackageLayers.culprit(List.of("a-pkg", "@scope/b@1.0"), "404 @scope/b not found"))
        .isEqualTo("@scope/b@1.0");
    assertThat(PackageLayers.culprit(List.of("x==1.0", "y"), "nothing useful"))
        .isEqualTo("x==1.0, y");
  }
}
