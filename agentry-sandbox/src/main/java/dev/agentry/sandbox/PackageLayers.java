package dev.agentry.sandbox;

import dev.agentry.core.EnvironmentConfig.Packages;
import dev.agentry.core.ExecResult;
import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxException;
import dev.agentry.core.SandboxLimits;
import dev.agentry.core.SandboxMount;
import dev.agentry.core.SandboxProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Environments' package layers on this node: one directory per set of packages (named by a hash of
 * them, so a changed list gets a new layer and an unchanged one is reused by every session of every
 * environment that asks for it), mounted read-only at {@code /opt/agentry/packages}.
 *
 * <p>A layer is built once, inside a sandbox of its own whose egress reaches only the package
 * registries (package install scripts are code from the internet, so they never run on the host),
 * into a temporary directory that is renamed into place only when every manager succeeded: a failed
 * or interrupted build leaves no layer, and its leftovers are deleted at the next start. Concurrent
 * first sessions wait for one build. Layers live on the node's disk: each node of a cluster builds
 * its own (docs/decisions/0040).
 */
public final class PackageLayers {
  private static final Logger log = LoggerFactory.getLogger(PackageLayers.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String LAYOUT = "agentry-package-layer-v1";

  /** How long a failed build is reported again before the next call tries anew. */
  static final Duration FAILURE_TTL = Duration.ofMinutes(1);

  private final SandboxProvider provider;
  private final Path root;
  private final SandboxLimits limits;
  private final Clock clock;
  private final String pipIndexUrl;
  private final Map<String, CompletableFuture<Path>> building = new ConcurrentHashMap<>();
  private final Map<String, Failure> failures = new ConcurrentHashMap<>();
  private final AtomicInteger builds = new AtomicInteger();

  private record Failure(PackageInstallException error, Instant at) {}

  private PackageLayers(
      SandboxProvider provider, Path root, SandboxLimits limits, Clock clock, String pipIndexUrl) {
    this.provider = provider;
    this.root = root;
    this.limits = limits;
    this.clock = clock;
    this.pipIndexUrl = pipIndexUrl;
  }

  /**
   * Layers under {@code root}, built with {@code provider}'s sandboxes under {@code limits}; {@code
   * pipIndexUrl} ({@code AGENTRY_PIP_INDEX_URL}) is the pip index to use instead of PyPI, or empty.
   * Leftovers of builds a previous process did not finish are deleted.
   */
  public static PackageLayers create(
      SandboxProvider provider,
      Path root,
      SandboxLimits limits,
      Clock clock,
      Optional<String> pipIndexUrl) {
    try {
      Files.createDirectories(root);
      try (var s = Files.list(root)) {
        for (Path p : s.toList()) {
          if (p.getFileName().toString().startsWith(".")) {
            deleteTree(p);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the package layer directory " + root, e);
    }
    return new PackageLayers(provider, root, limits, clock, pipIndexUrl.orElse(null));
  }

  /**
   * The read-only mount of the layer of {@code packages}, built first if this node has none (the
   * caller waits, with every other caller of the same packages); none when there are no packages.
   *
   * @throws PackageInstallException naming the manager and the package when the build failed
   * @throws SandboxException when the build sandbox could not run
   */
  public Optional<SandboxMount> mountFor(Packages packages) {
    if (packages.isEmpty()) {
      return Optional.empty();
    }
    String key = key(packages);
    Path layer = root.resolve(key);
    if (!Files.isDirectory(layer)) {
      layer = build(key, packages);
    }
    return Optional.of(new SandboxMount(layer, PackageLayerView.MOUNT, true));
  }

  /** How many builds this instance started (a reused layer starts none). */
  public int builds() {
    return builds.get();
  }

  private Path build(String key, Packages packages) {
    Failure failed = failures.get(key);
    if (failed != null) {
      if (clock.instant().isBefore(failed.at().plus(FAILURE_TTL))) {
        throw failed.error();
      }
      failures.remove(key, failed);
    }
    CompletableFuture<Path> mine = new CompletableFuture<>();
    CompletableFuture<Path> running = building.putIfAbsent(key, mine);
    if (running == null) {
      try {
        Path done = Files.isDirectory(root.resolve(key)) ? root.resolve(key) : run(key, packages);
        mine.complete(done);
      } catch (RuntimeException e) {
        if (e instanceof PackageInstallException p) {
          failures.put(key, new Failure(p, clock.instant()));
        }
        mine.completeExceptionally(e);
      } finally {
        building.remove(key, mine);
      }
      running = mine;
    }
    try {
      return running.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new SandboxException("building the package layer failed: " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxException("interrupted while waiting for the package layer", e);
    }
  }

  private Path run(String key, Packages packages) {
    if (!(provider instanceof EgressSandboxProvider egress)) {
      throw new SandboxException(
          "this server's sandboxes ("
              + provider.getClass().getSimpleName()
              + ") cannot install packages: use AGENTRY_SANDBOX=bubblewrap");
    }
    builds.incrementAndGet();
    String suffix = key.substring(0, 12) + "-" + HexFormat.of().formatHex(RANDOM.generateSeed(4));
    Path tmp = root.resolve(".build-" + suffix);
    Path work = root.resolve(".work-" + suffix);
    Instant started = clock.instant();
    try {
      Files.createDirectories(tmp);
      Files.createDirectories(work);
      if (!packages.apt().isEmpty()) {
        copyAptState(work.resolve("apt"));
      }
      SandboxMount target = new SandboxMount(tmp, PackageLayerView.MOUNT, false);
      try (Sandbox sb =
          egress.provision(
              "package-build-" + key.substring(0, 12), work, limits, policy(), List.of(target))) {
        for (String manager : PackageInstall.ORDER) {
          List<String> names = names(packages, manager);
          if (!names.isEmpty()) {
            install(sb, manager, names);
          }
        }
      }
      Files.writeString(
          tmp.resolve("layer.json"),
          "{\"key\":\""
              + key
              + "\",\"build\":\""
              + suffix
              + "\",\"built_at\":\""
              + clock.instant()
              + "\"}\n");
      Path layer = root.resolve(key);
      Files.move(tmp, layer, StandardCopyOption.ATOMIC_MOVE);
      log.info(
          "built package layer {} in {} ms",
          key.substring(0, 12),
          Duration.between(started, clock.instant()).toMillis());
      return layer;
    } catch (IOException e) {
      throw new SandboxException("cannot build the package layer: " + e.getMessage(), e);
    } finally {
      deleteQuietly(work);
      deleteQuietly(tmp);
    }
  }

  private void install(Sandbox sb, String manager, List<String> names) {
    ExecResult r =
        sb.exec(PackageInstall.argv(manager, names, pipIndexUrl), null, limits.maxTimeout());
    if (r.exitCode() == 0 && r.failure() == null) {
      return;
    }
    String out = r.output().strip();
    if (r.failure() != null) {
      out =
          out
              + (out.isEmpty() ? "" : "\n")
              + "[the install hit the sandbox's "
              + r.failure()
              + " limit]";
    }
    throw new PackageInstallException(
        manager, culprit(names, out), out.isEmpty() ? "exit " + r.exitCode() : out);
  }

  /**
   * The package the manager's output names last (managers end with the error, after the progress
   * lines that name every package), or the whole list when it names none of them.
   */
  static String culprit(List<String> names, String output) {
    String found = null;
    int last = -1;
    for (String n : names) {
      String bare = n.split("[=<>~!@:\\[ ]", 2)[0];
      if (n.startsWith("@")) {
        int at = n.indexOf('@', 1);
        bare = at < 0 ? n : n.substring(0, at);
      }
      int at = bare.isEmpty() ? -1 : output.lastIndexOf(bare);
      if (at > last) {
        last = at;
        found = n;
      }
    }
    return found != null ? found : String.join(", ", names);
  }

  /**
   * The registries only, for the install only (sessions get their environment's own networking),
   * plus the configured pip index, which may be on a private address since the operator named it.
   */
  private EgressPolicy policy() {
    LinkedHashSet<String> hosts = new LinkedHashSet<>(EgressPolicy.PACKAGE_REGISTRIES);
    if (pipIndexUrl != null) {
      URI u = URI.create(pipIndexUrl);
      int port = u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
      hosts.add(u.getHost() + ":" + port);
    }
    return EgressPolicy.limited(hosts);
  }

  /** The host's apt sources and dpkg status, which the sandbox's /etc and /var do not show. */
  private static void copyAptState(Path apt) throws IOException {
    Path etc = apt.resolve("etc");
    Path src = Path.of("/etc/apt");
    if (!Files.isDirectory(src)) {
      throw new PackageInstallException("apt", "(all)", "this host has no /etc/apt");
    }
    try (var s = Files.walk(src)) {
      for (Path p : s.toList()) {
        Path dest = etc.resolve(src.relativize(p).toString());
        if (Files.isSymbolicLink(p)) {
          Files.createSymbolicLink(dest, Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p)) {
          Files.createDirectories(dest);
        } else if (Files.isReadable(p)) {
          Files.copy(p, dest);
        }
      }
    }
    Path status = Path.of("/var/lib/dpkg/status");
    if (Files.isReadable(status)) {
      Files.copy(status, apt.resolve("status"));
    } else {
      Files.writeString(apt.resolve("status"), "");
    }
  }

  private static List<String> names(Packages p, String manager) {
    return switch (manager) {
      case "apt" -> p.apt();
      case "cargo" -> p.cargo();
      case "gem" -> p.gem();
      case "go" -> p.go();
      case "npm" -> p.npm();
      case "pip" -> p.pip();
      default -> throw new IllegalArgumentException(manager);
    };
  }

  /** The layer's name: a hash of every manager's list, in order, and of the layout version. */
  String key(Packages p) {
    StringBuilder sb = new StringBuilder(LAYOUT).append('\n');
    for (String m : PackageInstall.ORDER) {
      sb.append(m).append(':').append(String.join("\u0000", names(p, m))).append('\n');
    }
    if (pipIndexUrl != null && !p.pip().isEmpty()) {
      sb.append("pip-index:").append(pipIndexUrl).append('\n');
    }
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256")
              .digest(sb.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      deleteTree(p);
    } catch (IOException e) {
      log.warn("cannot delete {}: {}", p, e.toString());
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> all = new ArrayList<>();
    try (var s = Files.walk(p)) {
      s.forEach(all::add);
    }
    for (int i = all.size() - 1; i >= 0; i--) {
      Path q = all.get(i);
      if (!Files.isSymbolicLink(q) && Files.isDirectory(q)) {
        q.toFile().setWritable(true, true);
      }
      Files.deleteIfExists(q);
    }
  }
}
