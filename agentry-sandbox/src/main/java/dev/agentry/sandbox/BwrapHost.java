package dev.agentry.sandbox;

import dev.agentry.core.SandboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What this host offers a bubblewrap provider, found once: the binaries, whether we run as root
 * (and so must drop to a dedicated uid: docs/security.md, design note 1), the cgroup layout, and
 * the private directory holding the synthetic passwd/group and the seccomp filter (never inside a
 * workspace, where the agent could edit them).
 */
final class BwrapHost {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BwrapHost.class);

  final String bwrap;
  final String bwrapVersion;
  final String setpriv;
  final String prlimit;

  /**
   * Whether {@code /bin/sh}'s {@code ulimit -f} sets RLIMIT_FSIZE (soft and hard) in 512-byte
   * blocks, as dash's does: then the launch wrapper sets it itself and no prlimit is exec'd.
   */
  final boolean shFsize512;

  final boolean dropToUid;
  final int uid;
  final int gid;
  final Cgroups cgroups;
  final Path privateDir;
  final Path passwd;
  final Path group;
  final Path seccompFile;
  final List<String> usrSymlinks;

  private BwrapHost(
      String bwrap,
      String bwrapVersion,
      String setpriv,
      String prlimit,
      boolean shFsize512,
      boolean dropToUid,
      int uid,
      int gid,
      Cgroups cgroups,
      Path privateDir,
      List<String> usrSymlinks) {
    this.bwrap = bwrap;
    this.bwrapVersion = bwrapVersion;
    this.setpriv = setpriv;
    this.prlimit = prlimit;
    this.shFsize512 = shFsize512;
    this.dropToUid = dropToUid;
    this.uid = uid;
    this.gid = gid;
    this.cgroups = cgroups;
    this.privateDir = privateDir;
    this.passwd = privateDir.resolve("passwd");
    this.group = privateDir.resolve("group");
    this.seccompFile = privateDir.resolve("seccomp.bpf");
    this.usrSymlinks = usrSymlinks;
  }

  static BwrapHost probe(int uid, int gid, Path cgroupRoot) {
    String bwrap = which("bwrap");
    if (bwrap == null) {
      throw new SandboxException("bubblewrap is not installed: apt-get install bubblewrap");
    }
    String prlimit = which("prlimit");
    if (prlimit == null) {
      throw new SandboxException("prlimit is not installed: apt-get install util-linux");
    }
    if (!SeccompFilter.supported()) {
      throw new SandboxException(
          "no seccomp filter for architecture " + System.getProperty("os.arch"));
    }
    boolean root = serverUid() == 0;
    String setpriv = which("setpriv");
    if (root && setpriv == null) {
      throw new SandboxException(
          "running as root needs setpriv to drop to a dedicated uid: apt-get install util-linux");
    }
    List<String> links = new ArrayList<>();
    for (String d : List.of("bin", "sbin", "lib", "lib64", "lib32", "libx32")) {
      if (Files.isSymbolicLink(Path.of("/" + d))) {
        links.add(d);
      }
    }
    Cgroups cg = root && cgroupRoot != null ? Cgroups.detect(cgroupRoot) : Cgroups.none();
    int abandoned = cg.removeAbandoned(30_000);
    if (abandoned > 0) {
      LOG.info(
          "removed {} empty sandbox cgroups left by a server that did not stop cleanly", abandoned);
    }
    try {
      Path dir = Files.createTempDirectory("agentry-sandbox-");
      // Readable by the sandbox uid (bwrap binds passwd/group as that uid), writable by nobody
      // else.
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      BwrapHost h =
          new BwrapHost(
              bwrap,
              version(bwrap),
              setpriv,
              prlimit,
              shFsize512(),
              root,
              uid,
              gid,
              cg,
              dir,
              List.copyOf(links));
      writeReadable(
          h.passwd,
          "root:x:0:0:root:/root:/usr/sbin/nologin\n"
              + "agent:x:1000:1000:agent:/workspace:/bin/bash\n"
              + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
      writeReadable(h.group, "root:x:0:\nagent:x:1000:\nnobody:x:65534:\n");
      Files.write(h.seccompFile, SeccompFilter.forHost());
      Files.setPosixFilePermissions(h.seccompFile, PosixFilePermissions.fromString("rw-r--r--"));
      return h;
    } catch (IOException e) {
      throw new SandboxException("cannot prepare the sandbox support files: " + e.getMessage(), e);
    }
  }

  Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(
        "isolation",
        bwrapVersion
            + (dropToUid ? ", uid " + uid : ", the server's own uid")
            + ", seccomp ("
            + SeccompFilter.deniedCount()
            + " syscalls denied)");
    Map<String, String> cg = cgroups.describe();
    m.put("memory", cg.get("memory"));
    m.put(
        "processes",
        cgroups.limitsProcesses()
            ? cg.get("processes")
            : dropToUid ? "RLIMIT_NPROC (per uid, shared by all sandboxes)" : "none");
    m.put("cpu", cgroups.limitsCpu() ? cg.get("cpu") : "RLIMIT_CPU (per process CPU seconds)");
    m.put("file_size", "RLIMIT_FSIZE");
    m.put("timeout", "wall clock, process tree killed");
    m.put("output", "capped, rest read and discarded");
    m.put("disk", "workspace usage checked after each call");
    m.put("tmp", "tmpfs with size cap");
    m.put(
        "network",
        "private network namespace; HTTP(S) only via the egress proxy (per-session policy,"
            + " deny by default), no DNS");
    m.put("teardown", cg.get("teardown"));
    return m;
  }

  /** The uid the server runs as; bubblewrap hosts are Linux, where {@code /proc/self} tells. */
  private static int serverUid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException e) {
      throw new SandboxException("cannot tell which uid the server runs as: " + e.getMessage(), e);
    }
  }

  static String which(String name) {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin")) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }

  private static String version(String bwrap) {
    try {
      Process p = new ProcessBuilder(bwrap, "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return out.isEmpty() ? "bubblewrap" : out;
    } catch (IOException e) {
      return "bubblewrap";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "bubblewrap";
    }
  }

  /**
   * Tries {@code ulimit -f 3} in {@code /bin/sh} and reads the limit back: units differ between
   * shells (512-byte blocks in dash and POSIX mode, 1024 in bash), so this is checked, not assumed.
   */
  static boolean shFsize512() {
    try {
      Process p =
          new ProcessBuilder("/bin/sh", "-c", "ulimit -f 3 && exec cat /proc/self/limits")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor();
      for (String line : out.split("\n")) {
        if (line.startsWith("Max file size")) {
          String[] f = line.substring("Max file size".length()).trim().split("\\s+");
          return f.length >= 2 && f[0].equals("1536") && f[1].equals("1536");
        }
      }
      return false;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void writeReadable(Path p, String content) throws IOException {
    Files.writeString(p, content);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
  }
}
