package dev.agentry.sandbox;

import dev.agentry.core.SandboxMount;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the host command line for one bubblewrap sandbox:
 *
 * <pre>
 * /bin/sh -c WRAPPER sh SECCOMP WORKSPACE FSIZE-BLOCKS cgroup.procs... -- [setpriv ...] [prlimit ...] bwrap ...
 * </pre>
 *
 * <p>The wrapper (still root) writes its own pid into each cgroup before exec'ing, so bwrap and
 * every descendant start inside the limits with no window; it opens the seccomp filter on fd 9 and
 * the workspace on fd 8 ({@code --bind-fd}), because Java cannot pass extra fds and because opening
 * the workspace as root means its ancestors need not be searchable by the sandbox uid. dash only
 * handles fds 0-9. Then setpriv drops to the dedicated uid, prlimit sets rlimits, and bwrap builds
 * the mount namespace. The environment is empty from the start, so even bwrap's own
 * /proc/pid/environ holds nothing of the server's.
 *
 * <p>RLIMIT_FSIZE is normally set by the wrapper itself ({@code ulimit -f}, soft and hard, in
 * 512-byte blocks, checked at probe time), saving one exec on every launch; prlimit is only exec'd
 * when the size is not a whole number of blocks or a limit has no cgroup and needs an rlimit
 * fallback (CPU seconds, processes per uid). FSIZE-BLOCKS is {@code -} then.
 */
final class BwrapLauncher implements Launcher {
  private static final String WRAPPER =
      "f=$1 w=$2 b=$3; shift 3; "
          + "while [ \"$1\" != -- ]; do echo $$ > \"$1\" || exit 125; shift; done; shift; "
          + "[ \"$b\" = - ] || ulimit -f \"$b\" || exit 125; "
          + "exec \"$@\" 9<\"$f\" 8<\"$w\"";

  static final String SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin";

  /** /etc files a shell, python and git need; everything else of /etc stays out. */
  private static final List<String> ETC_ALLOWLIST =
      List.of(
          "/etc/alternatives",
          "/etc/ld.so.cache",
          "/etc/ld.so.conf",
          "/etc/ld.so.conf.d",
          "/etc/ssl",
          "/etc/ca-certificates",
          "/etc/localtime",
          "/etc/nsswitch.conf",
          "/etc/protocols",
          "/etc/services",
          "/etc/mime.types");

  private final BwrapHost host;
  private final String workspace;
  private final Cgroups.Set cgroups; // null when the host has no usable cgroups
  private final long tmpBytes;
  private final long maxFileBytes;
  private final long cpuSeconds;
  private final int maxProcesses;
  private final EgressBridge egress; // null: no proxy bridge (python3 missing), no network at all
  private final List<SandboxMount> mounts;

  BwrapLauncher(
      BwrapHost host,
      String workspace,
      Cgroups.Set cgroups,
      long tmpBytes,
      long maxFileBytes,
      long cpuSeconds,
      int maxProcesses,
      EgressBridge egress,
      List<SandboxMount> mounts) {
    this.mounts = List.copyOf(mounts);
    this.host = host;
    this.egress = egress;
    this.workspace = workspace;
    this.cgroups = cgroups;
    this.tmpBytes = tmpBytes;
    this.maxFileBytes = maxFileBytes;
    this.cpuSeconds = cpuSeconds;
    this.maxProcesses = maxProcesses;
  }

  @Override
  public ProcessBuilder command(List<String> argv) {
    List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", WRAPPER, "sh"));
    cmd.add(host.seccompFile.toString());
    cmd.add(workspace);
    boolean cpuRlimit = !host.cgroups.limitsCpu();
    boolean nprocRlimit = !host.cgroups.limitsProcesses() && host.dropToUid;
    boolean prlimit =
        !host.shFsize512
            || maxFileBytes % 512 != 0
            || maxFileBytes <= 0
            || cpuRlimit
            || nprocRlimit;
    cmd.add(prlimit ? "-" : Long.toString(maxFileBytes / 512));
    if (cgroups != null) {
      cmd.addAll(cgroups.procs());
    }
    cmd.add("--");
    if (host.dropToUid) {
      cmd.addAll(
          List.of(
              host.setpriv,
              "--reuid=" + host.uid,
              "--regid=" + host.gid,
              "--clear-groups",
              "--inh-caps=-all"));
    }
    if (prlimit) {
      cmd.addAll(List.of(host.prlimit, "--fsize=" + maxFileBytes));
      if (cpuRlimit) {
        cmd.add("--cpu=" + cpuSeconds); // per process CPU seconds: the fallback for a CPU quota
      }
      if (nprocRlimit) {
        cmd.add("--nproc=" + maxProcesses); // per uid, and root ignores it: only useful here
      }
      cmd.add("--");
    }
    cmd.add(host.bwrap);
    cmd.addAll(profile());
    cmd.add("--");
    if (egress != null) {
      // The forwarder to the egress proxy starts before the command, inside its network namespace.
      cmd.addAll(List.of("/bin/sh", "-c", EgressBridge.START, "sh"));
    }
    cmd.addAll(argv);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().clear();
    return pb;
  }

  private List<String> profile() {
    List<String> a = new ArrayList<>();
    // An environment's package layer merges its apt files into /usr and extends PATH and the
    // import paths (PackageLayerView); without one, /usr is the host's, read-only.
    java.util.Optional<PackageLayerView> packages = PackageLayerView.of(mounts);
    a.addAll(packages.map(PackageLayerView::usrArgs).orElse(List.of("--ro-bind", "/usr", "/usr")));
    for (String d : host.usrSymlinks) {
      a.addAll(List.of("--symlink", "usr/" + d, "/" + d));
    }
    for (String etc : ETC_ALLOWLIST) {
      a.addAll(List.of("--ro-bind-try", etc, etc));
    }
    a.addAll(List.of("--ro-bind", host.passwd.toString(), "/etc/passwd"));
    a.addAll(List.of("--ro-bind", host.group.toString(), "/etc/group"));
    a.addAll(List.of("--bind-fd", "8", "/workspace"));
    if (egress != null) {
      a.addAll(List.of("--ro-bind", egress.dir.toString(), EgressBridge.MOUNT));
      if (egress.caBundle && java.nio.file.Files.isRegularFile(EgressBridge.SYSTEM_BUNDLE)) {
        // The sandbox (only) trusts the egress CA: its system bundle is ours, bound read-only.
        String sys = EgressBridge.SYSTEM_BUNDLE.toString();
        a.addAll(List.of("--ro-bind", egress.dir.resolve("ca-bundle.crt").toString(), sys));
      }
    }
    a.addAll(List.of("--size", Long.toString(tmpBytes), "--tmpfs", "/tmp"));
    // Session resources and outputs: bwrap makes each target's missing parents (in its own root,
    // or in the workspace for a target under /workspace).
    for (SandboxMount m : mounts) {
      a.addAll(List.of(m.readOnly() ? "--ro-bind" : "--bind", m.source().toString(), m.target()));
    }
    a.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
    a.addAll(
        List.of(
            "--unshare-user",
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-net",
            "--unshare-cgroup",
            "--disable-userns",
            "--uid",
            "1000",
            "--gid",
            "1000",
            "--hostname",
            "sandbox",
            "--die-with-parent",
            "--new-session",
            // No reaper: the command is pid 1, so bwrap waits for it and leaves no orphan zombie
            // (with a reaper, bwrap 0.8 orphans it, which piles up if the JVM is itself pid 1).
            "--as-pid-1",
            "--clearenv"));
    if (egress != null) {
      // Placeholders only, never secrets; set first so no credential can shadow the variables
      // below (PATH, the proxy).
      for (EgressCredential c : egress.policy().credentials()) {
        env(a, c.name(), c.placeholder());
      }
    }
    env(a, "PATH", packages.map(p -> p.path(SANDBOX_PATH)).orElse(SANDBOX_PATH));
    packages.ifPresent(p -> p.environment().forEach((k, v) -> env(a, k, v)));
    env(a, "HOME", "/workspace");
    env(a, "WORKSPACE", "/workspace");
    env(a, "LANG", "C.UTF-8");
    env(a, "TERM", "dumb");
    env(a, "USER", "agent");
    if (egress != null) {
      for (String k : List.of("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")) {
        env(a, k, EgressBridge.PROXY_URL);
      }
      env(a, "NO_PROXY", "");
      env(a, "no_proxy", "");
      if (egress.caBundle) {
        // GIT_SSL_CAINFO: git's libcurl reads neither SSL_CERT_FILE nor CURL_CA_BUNDLE.
        for (String k :
            List.of("SSL_CERT_FILE", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "GIT_SSL_CAINFO")) {
          env(a, k, EgressBridge.CA_BUNDLE);
        }
        env(a, "NODE_EXTRA_CA_CERTS", EgressBridge.CA_CERT);
      }
    }
    a.addAll(List.of("--cap-drop", "ALL", "--seccomp", "9", "--remount-ro", "/"));
    a.addAll(List.of("--chdir", "/workspace"));
    return a;
  }

  private static void env(List<String> a, String k, String v) {
    a.add("--setenv");
    a.add(k);
    a.add(v);
  }

  @Override
  public long[] counters() {
    return cgroups == null ? new long[2] : cgroups.counters();
  }

  /** Pid 1 of the sandbox's own pid namespace dies with every process in it: see {@link #kill}. */
  @Override
  public boolean killEndsOutput() {
    return true;
  }

  /**
   * SIGKILL to the sandbox's pid 1 (bwrap's only child, found via {@code
   * /proc/PID/task/PID/children}): that tears down the whole pid namespace, including setsid'ed
   * daemons a process-tree walk would miss, and bwrap, still alive, reaps it and exits. Killing
   * bwrap itself instead would orphan its child, which then lingers as a zombie until the host's
   * pid 1 reaps it (never, if the JVM is pid 1). SIGKILL to bwrap stays the fallback
   * (--die-with-parent then kills pid 1).
   */
  @Override
  public void kill(Process p) {
    long init = sandboxInit(p.pid());
    if (init > 0 && ProcessHandle.of(init).map(ProcessHandle::destroyForcibly).orElse(false)) {
      try {
        if (p.waitFor(500, java.util.concurrent.TimeUnit.MILLISECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    p.destroyForcibly();
  }

  private static long sandboxInit(long bwrapPid) {
    try {
      String kids =
          java.nio.file.Files.readString(
                  java.nio.file.Path.of("/proc", "" + bwrapPid, "task", "" + bwrapPid, "children"))
              .trim();
      return kids.isEmpty() || kids.contains(" ") ? -1 : Long.parseLong(kids);
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    if (cgroups != null) {
      cgroups.remove();
    }
    if (egress != null) {
      egress.close();
    }
  }

  @Override
  public String workspacePath() {
    return "/workspace";
  }
}
