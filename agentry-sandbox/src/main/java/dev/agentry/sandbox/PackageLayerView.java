package dev.agentry.sandbox;

import dev.agentry.core.SandboxMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What a sandbox with an environment's package layer (mounted at {@link #MOUNT}) sees: the layer's
 * bin directories first on {@code PATH}, its libraries on the import paths, and the files its apt
 * packages put under {@code /usr} at their usual paths.
 *
 * <p>bubblewrap 0.8 has no overlay mounts, so the {@code /usr} view is built from binds: a tmpfs at
 * {@code /usr} holding a bind of each host entry, and for a directory where the layer adds new
 * entries ({@code share/cowsay}, {@code games/cowsay}), a tmpfs holding binds of the host's entries
 * and the layer's new ones. Directories with more than {@link #MAX_MERGED} host entries ({@code
 * bin}, whose programs the layer's {@code PATH} reaches anyway) are not merged; nor are deeper
 * levels, which the import paths cover.
 */
final class PackageLayerView {
  /** Where the layer appears in the sandbox: read-only for sessions, writable for its build. */
  static final String MOUNT = "/opt/agentry/packages";

  static final int MAX_MERGED = 400;

  private static final Path HOST_USR = Path.of("/usr");

  private final Path layer;

  private PackageLayerView(Path layer) {
    this.layer = layer;
  }

  /** The view of the package layer among {@code mounts}, if one is mounted. */
  static Optional<PackageLayerView> of(List<SandboxMount> mounts) {
    return mounts.stream()
        .filter(m -> m.target().equals(MOUNT))
        .findFirst()
        .map(m -> new PackageLayerView(m.source()));
  }

  /** {@code PATH}: the layer's bin directories, then the sandbox's own, then apt's games. */
  String path(String sandboxPath) {
    List<String> bins =
        List.of(
            "npm/bin",
            "pip/lib/bin",
            "gem/bin",
            "cargo/bin",
            "go/bin",
            "apt/usr/local/bin",
            "apt/usr/bin",
            "apt/bin",
            "apt/usr/sbin",
            "apt/usr/games");
    StringBuilder sb = new StringBuilder();
    for (String b : bins) {
      sb.append(MOUNT).append('/').append(b).append(':');
    }
    return sb.append(sandboxPath).append(":/usr/games").toString();
  }

  /**
   * The import paths and the loader's: Node's modules, Python's (pip's target, apt's
   * dist-packages), Perl's, Ruby's gems, and apt's shared libraries.
   */
  Map<String, String> environment() {
    String apt = MOUNT + "/apt";
    Map<String, String> env = new LinkedHashMap<>();
    env.put("NODE_PATH", MOUNT + "/npm/lib/node_modules");
    env.put("PYTHONPATH", MOUNT + "/pip/lib:" + apt + "/usr/lib/python3/dist-packages");
    env.put("GEM_PATH", MOUNT + "/gem");
    List<String> libs = new ArrayList<>();
    List<String> perl = new ArrayList<>(List.of(apt + "/usr/share/perl5"));
    for (String triplet : HostLayout.TRIPLETS) {
      libs.add(apt + "/usr/lib/" + triplet);
      libs.add(apt + "/lib/" + triplet);
      for (String v : HostLayout.PERL_VERSIONS) {
        perl.add(apt + "/usr/lib/" + triplet + "/perl5/" + v);
      }
      perl.add(apt + "/usr/lib/" + triplet + "/perl5");
    }
    libs.add(apt + "/usr/lib");
    env.put("LD_LIBRARY_PATH", String.join(":", libs));
    env.put("PERL5LIB", String.join(":", perl));
    env.put("AGENTRY_PACKAGES", MOUNT);
    return env;
  }

  /** bwrap arguments for {@code /usr}: the host's, with the layer's apt files merged in. */
  List<String> usrArgs() {
    Path layerUsr = layer.resolve("apt/usr");
    if (!Files.isDirectory(layerUsr, LinkOption.NOFOLLOW_LINKS)) {
      return List.of("--ro-bind", "/usr", "/usr");
    }
    List<String> a = new ArrayList<>(List.of("--tmpfs", "/usr"));
    List<String> remount = new ArrayList<>();
    Set<String> host = names(HOST_USR);
    for (String c : host) {
      Path h = HOST_USR.resolve(c);
      Path l = layerUsr.resolve(c);
      Set<String> added = addedNames(h, l);
      if (added.isEmpty()) {
        bind(a, h, "/usr/" + c);
        continue;
      }
      a.addAll(List.of("--tmpfs", "/usr/" + c));
      for (String g : names(h)) {
        bind(a, h.resolve(g), "/usr/" + c + "/" + g);
      }
      for (String g : added) {
        bind(a, l.resolve(g), "/usr/" + c + "/" + g);
      }
      remount.add("/usr/" + c);
    }
    for (String c : names(layerUsr)) {
      if (!host.contains(c)) {
        bind(a, layerUsr.resolve(c), "/usr/" + c);
      }
    }
    for (String r : remount) {
      a.addAll(List.of("--remount-ro", r));
    }
    a.addAll(List.of("--remount-ro", "/usr"));
    return a;
  }

  /** The entries the layer adds to host directory {@code h}, when it is worth merging. */
  private static Set<String> addedNames(Path h, Path l) {
    if (!Files.isDirectory(h, LinkOption.NOFOLLOW_LINKS)
        || !Files.isDirectory(l, LinkOption.NOFOLLOW_LINKS)) {
      return Set.of();
    }
    Set<String> hostNames = names(h);
    if (hostNames.size() > MAX_MERGED) {
      return Set.of();
    }
    Set<String> added = new TreeSet<>(names(l));
    added.removeAll(hostNames);
    return added;
  }

  /** A bind of {@code p}, or the same symlink when it is one (a bind would follow it). */
  private static void bind(List<String> a, Path p, String dest) {
    if (Files.isSymbolicLink(p)) {
      try {
        a.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), dest));
      } catch (IOException e) {
        // unreadable link: leave it out of the view
      }
      return;
    }
    a.addAll(List.of("--ro-bind", p.toString(), dest));
  }

  private static Set<String> names(Path dir) {
    Set<String> out = new TreeSet<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(p -> out.add(p.getFileName().toString()));
    } catch (IOException e) {
      // missing or unreadable: nothing to merge
    }
    return out;
  }

  /** The host's multiarch triplets and Perl versions, found once. */
  private static final class HostLayout {
    static final List<String> TRIPLETS = find(Path.of("/usr/lib"), "-linux-gnu");
    static final List<String> PERL_VERSIONS =
        TRIPLETS.isEmpty()
            ? List.of()
            : find(Path.of("/usr/lib", TRIPLETS.getFirst(), "perl5"), "");

    private static List<String> find(Path dir, String suffix) {
      List<String> out = new ArrayList<>();
      for (String n : names(dir)) {
        if (n.endsWith(suffix) && Files.isDirectory(dir.resolve(n))) {
          out.add(n);
        }
      }
      return List.copyOf(out);
    }
  }
}
