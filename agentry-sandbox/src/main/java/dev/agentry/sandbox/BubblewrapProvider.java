package dev.agentry.sandbox;

import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxException;
import dev.agentry.core.SandboxLimits;
import dev.agentry.core.SandboxMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bubblewrap sandboxes (docs/security.md, "Design notes"): the host is probed on first use, not at
 * construction, so a server without bubblewrap still starts and reports why sandboxes are
 * unavailable.
 */
final class BubblewrapProvider implements EgressSandboxProvider {
  private static final Logger log = LoggerFactory.getLogger(BubblewrapProvider.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final int uid;
  private final int gid;
  private final Path cgroupRoot;
  private final EgressProxy proxy;
  private BwrapHost host; // guarded by this
  private byte[] caBundle; // guarded by this: the system bundle plus the egress CA
  private SandboxException unavailable; // guarded by this

  BubblewrapProvider(int uid, int gid, Path cgroupRoot) {
    this(uid, gid, cgroupRoot, new EgressProxy());
  }

  BubblewrapProvider(int uid, int gid, Path cgroupRoot, EgressProxy proxy) {
    this.uid = uid;
    this.gid = gid;
    this.cgroupRoot = cgroupRoot;
    this.proxy = proxy;
  }

  synchronized BwrapHost host() {
    if (unavailable != null) {
      throw unavailable;
    }
    if (host == null) {
      try {
        host = BwrapHost.probe(uid, gid, cgroupRoot);
      } catch (SandboxException e) {
        unavailable = e;
        log.error("sandboxes unavailable: {}", e.getMessage());
        throw e;
      }
      log.info("sandbox enforcement: {}", host.describe());
    }
    return host;
  }

  @Override
  public Sandbox provision(
      String sessionId,
      Path workspace,
      SandboxLimits limits,
      EgressPolicy policy,
      List<SandboxMount> mounts) {
    BwrapHost h = host();
    Path ws = realDirectory(workspace);
    if (h.dropToUid) {
      chownIfNeeded(ws, h.uid, h.gid);
      makeTraversable(ws.getParent());
    }
    List<SandboxMount> bound = mountSources(mounts, h);
    String name = "sb-" + HexFormat.of().formatHex(RANDOM.generateSeed(6));
    Cgroups.Set cg = null;
    if (h.cgroups.limitsMemory() || h.cgroups.limitsProcesses() || h.cgroups.limitsCpu()) {
      try {
        cg = h.cgroups.create(name, limits);
      } catch (IOException e) {
        throw new SandboxException("cannot create the cgroups of sandbox " + name + ": " + e, e);
      }
    }
    long cpuSeconds = Math.max(1, limits.maxTimeout().toSeconds());
    EgressBridge egress = null;
    // A policy that lets nothing out needs no bridge: without it the sandbox has no way out at all,
    // and every process it starts skips the forwarder's start-up (~15 ms).
    if (policy.deniesAll()) {
      log.debug("sandbox {}: egress policy allows no host; no proxy bridge", name);
    } else if (EgressBridge.available()) {
      try {
        byte[] bundle = null;
        byte[] caPem = null;
        // Credentials and HTTPS repositories are served through TLS interception: the sandbox
        // must trust the egress CA for them.
        if (!policy.credentials().isEmpty()
            || policy.repositoryOrigins().stream().anyMatch(o -> o.startsWith("https://"))) {
          if (proxy.ca() == null) {
            log.warn(
                "sandbox {}: no egress CA configured; credentials and repository tokens reach"
                    + " plain HTTP only",
                name);
          } else {
            caPem = proxy.ca().certificatePem().getBytes(StandardCharsets.US_ASCII);
            bundle = caBundle(caPem);
          }
        }
        egress =
            EgressBridge.open(
                proxy,
                h.privateDir.resolve("egress").resolve(name),
                sessionId,
                policy,
                bundle,
                caPem);
      } catch (IOException e) {
        if (cg != null) {
          cg.remove();
        }
        throw new SandboxException(
            "cannot start the egress proxy of sandbox " + name + ": " + e, e);
      }
    } else {
      log.warn("{} is missing: sandbox {} gets no egress proxy", EgressBridge.PYTHON, name);
    }
    BwrapLauncher launcher =
        new BwrapLauncher(
            h,
            ws.toString(),
            cg,
            limits.tmpBytes(),
            limits.maxFileBytes(),
            cpuSeconds,
            limits.maxProcesses(),
            egress,
            bound);
    try {
      ProcessSandbox sb = new ProcessSandbox(name, launcher, limits, ws).start();
      log.debug("sandbox {} for session {} over {}", name, sessionId, ws);
      return sb;
    } catch (RuntimeException e) {
      launcher.close();
      throw e;
    }
  }

  /**
   * The mounts with real source paths, each handed to the sandbox uid like the workspace (so a
   * read-only mount is read-only because of the mount, not of the file's mode) and reachable by it.
   */
  private static List<SandboxMount> mountSources(List<SandboxMount> mounts, BwrapHost h) {
    List<SandboxMount> out = new java.util.ArrayList<>();
    for (SandboxMount m : mounts) {
      Path source;
      try {
        source = m.source().toRealPath();
      } catch (IOException e) {
        throw new SandboxException("mount source of " + m.target() + " is missing: " + e, e);
      }
      if (h.dropToUid) {
        chownIfNeeded(source, h.uid, h.gid);
        makeTraversable(source.getParent());
      }
      out.add(new SandboxMount(source, m.target(), m.readOnly()));
    }
    return out;
  }

  private synchronized byte[] caBundle(byte[] caPem) throws IOException {
    if (caBundle == null) {
      java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
      if (Files.isRegularFile(EgressBridge.SYSTEM_BUNDLE)) {
        b.write(Files.readAllBytes(EgressBridge.SYSTEM_BUNDLE));
        b.write('\n');
      }
      b.write(caPem);
      caBundle = b.toByteArray();
    }
    return caBundle;
  }

  @Override
  public Map<String, String> enforcement() {
    try {
      return host().describe();
    } catch (SandboxException e) {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("isolation", "unavailable: " + e.getMessage());
      return m;
    }
  }

  static Path realDirectory(Path workspace) {
    try {
      Path real = workspace.toRealPath();
      if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
        throw new SandboxException("workspace is not a directory: " + workspace);
      }
      return real;
    } catch (IOException e) {
      throw new SandboxException("workspace does not exist: " + workspace, e);
    }
  }

  /**
   * Files the agent writes must belong to the sandbox uid, and files written by the host (as root)
   * must be writable by the agent; a whole-tree walk only happens when the root has the wrong
   * owner.
   */
  private static void chownIfNeeded(Path ws, int uid, int gid) {
    try {
      Object owner = Files.getAttribute(ws, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      if (owner instanceof Integer o && o == uid) {
        return;
      }
      Files.walkFileTree(
          ws,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
                throws IOException {
              chown(dir, uid, gid);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              chown(file, uid, gid);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new SandboxException("cannot hand workspace " + ws + " to uid " + uid + ": " + e, e);
    }
  }

  /**
   * bwrap resolves the bind source as the sandbox uid (even via {@code --bind-fd}), so every
   * ancestor of the workspace needs search permission for others. Only {@code o+x} is added (no
   * listing); inside the sandbox no host path is visible anyway.
   */
  private static void makeTraversable(Path dir) {
    for (Path d = dir; d != null; d = d.getParent()) {
      try {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms =
            Files.getPosixFilePermissions(d);
        if (perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
          Files.setPosixFilePermissions(d, perms);
          log.warn("made {} searchable (o+x) so that the sandbox uid can reach workspaces", d);
        }
      } catch (IOException e) {
        throw new SandboxException(
            "the sandbox uid cannot reach the workspace: " + d + " is not searchable: " + e, e);
      }
    }
  }

  private static void chown(Path p, int uid, int gid) throws IOException {
    Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
  }
}
