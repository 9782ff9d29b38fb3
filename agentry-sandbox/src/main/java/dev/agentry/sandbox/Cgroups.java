package dev.agentry.sandbox;

import dev.agentry.core.SandboxLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the host's cgroup tree lets us do, found once at start-up by trying it (mkdir + write),
 * since mount flags and delegation make "is it writable" unanswerable by looking.
 *
 * <p>Hybrid hosts (like the Debian 12 VM this was written on) bind memory/pids/cpu to v1 and leave
 * the v2 "unified" mount without controllers; there v1 does the limiting and, if present, a v2
 * child with {@code cgroup.kill} does the race-free teardown. Pure v2 hosts use one v2 directory
 * for all.
 */
final class Cgroups {
  static final String PARENT = "agentry";

  final Path root;
  final Path v1Memory; // null if unusable
  final Path v1Pids;
  final Path v1Cpu;
  final boolean memsw;
  final Path v2; // pure v2 parent with memory+pids(+cpu) enabled, or null
  final boolean v2Cpu;
  final Path unifiedKill; // hybrid: v2 parent whose children have cgroup.kill, or null

  private Cgroups(
      Path root,
      Path v1Memory,
      Path v1Pids,
      Path v1Cpu,
      boolean memsw,
      Path v2,
      boolean v2Cpu,
      Path unifiedKill) {
    this.root = root;
    this.v1Memory = v1Memory;
    this.v1Pids = v1Pids;
    this.v1Cpu = v1Cpu;
    this.memsw = memsw;
    this.v2 = v2;
    this.v2Cpu = v2Cpu;
    this.unifiedKill = unifiedKill;
  }

  static Cgroups detect(Path root) {
    Path mem = v1Parent(root, "memory", "memory.limit_in_bytes");
    Path pids = v1Parent(root, "pids", "pids.max");
    Path cpu = v1Parent(root, "cpu", "cpu.cfs_quota_us");
    boolean memsw = mem != null && Files.exists(mem.resolve("memory.memsw.limit_in_bytes"));
    Path v2 = null;
    boolean v2Cpu = false;
    Path kill = null;
    if (mem == null && pids == null && Files.exists(root.resolve("cgroup.subtree_control"))) {
      v2 = v2Parent(root);
      v2Cpu = v2 != null && read(v2.resolve("cgroup.subtree_control")).contains("cpu");
    }
    Path unified = root.resolve("unified");
    if (v2 == null && Files.exists(unified.resolve("cgroup.procs"))) {
      Path p = unified.resolve(PARENT);
      if (tryMkdir(p) && Files.exists(p.resolve("cgroup.kill"))) {
        kill = p;
      }
    } else if (v2 != null) {
      kill = v2;
    }
    return new Cgroups(root, mem, pids, cpu, memsw, v2, v2Cpu, kill);
  }

  static Cgroups none() {
    return new Cgroups(null, null, null, null, false, null, false, null);
  }

  /**
   * Removes sandbox cgroups that a dead process left behind (a server killed with SIGKILL never
   * closes its sandboxes; the kernel killed their processes but keeps the empty directories). Only
   * empty ones older than {@code minAgeMillis} go, so a sandbox another live server is just
   * creating is never touched. Returns how many were removed.
   */
  int removeAbandoned(long minAgeMillis) {
    int removed = 0;
    long cutoff = System.currentTimeMillis() - minAgeMillis;
    for (Path parent : new Path[] {v1Memory, v1Pids, v1Cpu, v2, unifiedKill}) {
      if (parent == null) {
        continue;
      }
      try (var children = Files.list(parent)) {
        for (Path dir :
            children.filter(d -> d.getFileName().toString().startsWith("sb-")).toList()) {
          if (Files.getLastModifiedTime(dir).toMillis() < cutoff
              && read(dir.resolve("cgroup.procs")).isBlank()) {
            try {
              Files.delete(dir);
              removed++;
            } catch (IOException e) {
              // busy or gone: a later start tries again
            }
          }
        }
      } catch (IOException e) {
        // unreadable parent: nothing to sweep
      }
    }
    return removed;
  }

  boolean limitsMemory() {
    return v1Memory != null || v2 != null;
  }

  boolean limitsProcesses() {
    return v1Pids != null || v2 != null;
  }

  boolean limitsCpu() {
    return v1Cpu != null || v2Cpu;
  }

  /** Creates and configures one sandbox's cgroups; the caller joins them via {@link Set#procs}. */
  Set create(String name, SandboxLimits limits) throws IOException {
    Set set = new Set();
    try {
      if (v2 != null) {
        Path d = mk(set, v2.resolve(name));
        write(d.resolve("memory.max"), limits.memoryBytes());
        write(d.resolve("memory.swap.max"), 0, true);
        write(d.resolve("memory.oom.group"), 1, true);
        write(d.resolve("pids.max"), limits.maxProcesses());
        if (v2Cpu) {
          Files.writeString(d.resolve("cpu.max"), quota(limits) + " 100000");
        }
        set.memoryEvents = d.resolve("memory.events");
        set.pidsEvents = d.resolve("pids.events");
        set.kill = d.resolve("cgroup.kill");
      } else {
        if (v1Memory != null) {
          Path d = mk(set, v1Memory.resolve(name));
          write(d.resolve("memory.limit_in_bytes"), limits.memoryBytes());
          // memsw must be >= the plain limit, so it is written second; equal means "no swap".
          write(d.resolve("memory.memsw.limit_in_bytes"), limits.memoryBytes(), true);
          set.memoryEvents = d.resolve("memory.oom_control");
        }
        if (v1Pids != null) {
          Path d = mk(set, v1Pids.resolve(name));
          write(d.resolve("pids.max"), limits.maxProcesses());
          set.pidsEvents = d.resolve("pids.events");
        }
        if (v1Cpu != null) {
          Path d = mk(set, v1Cpu.resolve(name));
          write(d.resolve("cpu.cfs_period_us"), 100000);
          write(d.resolve("cpu.cfs_quota_us"), quota(limits));
        }
        if (unifiedKill != null) {
          Path d = mk(set, unifiedKill.resolve(name));
          set.kill = d.resolve("cgroup.kill");
        }
      }
      return set;
    } catch (IOException | RuntimeException e) {
      set.remove();
      throw e;
    }
  }

  private static long quota(SandboxLimits limits) {
    return Math.max(1000L, limits.cpuPercent() * 1000L);
  }

  private static Path mk(Set set, Path dir) throws IOException {
    Files.createDirectory(dir);
    set.dirs.add(dir);
    return dir;
  }

  /** One sandbox's cgroups. */
  static final class Set {
    final List<Path> dirs = new ArrayList<>();
    Path memoryEvents;
    Path pidsEvents;
    Path kill;

    private List<Path> snapshot() {
      synchronized (dirs) {
        return List.copyOf(dirs);
      }
    }

    /** The {@code cgroup.procs} files the launcher writes its pid to before exec'ing bwrap. */
    List<String> procs() {
      return dirs.stream().map(d -> d.resolve("cgroup.procs").toString()).toList();
    }

    /** Counters that a tripped limit bumps: {@code oom_kill} and the pids {@code max} event. */
    long[] counters() {
      return new long[] {counter(memoryEvents, "oom_kill"), counter(pidsEvents, "max")};
    }

    /** Kills every process in the sandbox, including ones that escaped the process tree. */
    void killAll() {
      if (kill != null && Files.exists(kill)) {
        try {
          Files.writeString(kill, "1");
          return;
        } catch (IOException e) {
          // fall through to killing pid by pid
        }
      }
      for (int round = 0; round < 5; round++) {
        boolean any = false;
        for (Path d : snapshot()) {
          for (String line : read(d.resolve("cgroup.procs")).split("\n")) {
            if (!line.isBlank()) {
              any = true;
              ProcessHandle.of(Long.parseLong(line.trim()))
                  .ifPresent(ProcessHandle::destroyForcibly);
            }
          }
        }
        if (!any) {
          return;
        }
      }
    }

    /**
     * Kills what is left and removes the directories. A directory only goes once its killed
     * processes have exited (rmdir fails with EBUSY until then, typically for 1-3 ms, longer under
     * heavy load), so rmdir is retried with short, growing pauses instead of a fixed 10 ms sleep.
     * If that takes longer than {@link #SYNC_REMOVE_NANOS}, a background thread keeps retrying (the
     * kill has been done either way, so only empty-to-be directories are left to it).
     */
    void remove() {
      killAll();
      long deadline = System.nanoTime() + SYNC_REMOVE_NANOS;
      long pause = 50_000;
      while (!tryRemoveAll()) {
        if (System.nanoTime() > deadline) {
          removeInBackground();
          return;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(pause);
        pause = Math.min(pause * 2, 2_000_000);
      }
    }

    /** One rmdir attempt per remaining directory; true once all are gone. */
    private boolean tryRemoveAll() {
      synchronized (dirs) {
        dirs.removeIf(
            d -> {
              try {
                Files.deleteIfExists(d);
                return true;
              } catch (IOException busy) {
                return false;
              }
            });
        return dirs.isEmpty();
      }
    }

    private void removeInBackground() {
      org.slf4j.LoggerFactory.getLogger(Cgroups.class)
          .debug(
              "cgroups still busy 1 s after the kill, removing them in the background: {}", dirs);
      Thread.ofVirtual()
          .name("agentry-cgroup-remove")
          .start(
              () -> {
                long until = System.nanoTime() + 10_000_000_000L;
                while (!tryRemoveAll() && System.nanoTime() < until) {
                  killAll(); // anything that was forked while the kill was in flight
                  sleep(10);
                }
                if (!dirs.isEmpty()) {
                  org.slf4j.LoggerFactory.getLogger(Cgroups.class)
                      .warn("cgroup directories not removed (still busy after 10 s): {}", dirs);
                }
              });
    }
  }

  /**
   * How long {@link Set#remove} waits for killed processes to exit before leaving it to a thread.
   */
  static final long SYNC_REMOVE_NANOS = 1_000_000_000L;

  static long counter(Path file, String key) {
    if (file == null) {
      return 0;
    }
    for (String line : read(file).split("\n")) {
      String[] kv = line.trim().split("\\s+");
      if (kv.length == 2 && kv[0].equals(key)) {
        try {
          return Long.parseLong(kv[1]);
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 0;
  }

  private static Path v1Parent(Path root, String controller, String probeFile) {
    Path c = root.resolve(controller);
    if (!Files.exists(c.resolve(probeFile)) && !Files.exists(c.resolve("cgroup.procs"))) {
      return null;
    }
    Path p = c.resolve(PARENT);
    if (!tryMkdir(p)) {
      return null;
    }
    // Proves we may create children and configure them, not just see the tree.
    Path probe = p.resolve("probe-" + ProcessHandle.current().pid());
    try {
      Files.createDirectory(probe);
      boolean ok = Files.exists(probe.resolve(probeFile));
      Files.delete(probe);
      return ok ? p : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static Path v2Parent(Path root) {
    String controllers = read(root.resolve("cgroup.controllers"));
    if (!controllers.contains("memory") || !controllers.contains("pids")) {
      return null;
    }
    Path p = root.resolve(PARENT);
    try {
      if (!tryMkdir(p)) {
        return null;
      }
      String want = controllers.contains("cpu") ? "+memory +pids +cpu" : "+memory +pids";
      Files.writeString(root.resolve("cgroup.subtree_control"), want);
      Files.writeString(p.resolve("cgroup.subtree_control"), want);
      return Files.exists(p.resolve("cgroup.subtree_control")) ? p : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static boolean tryMkdir(Path p) {
    try {
      Files.createDirectories(p);
      return true;
    } catch (IOException | SecurityException e) {
      return false;
    }
  }

  private static void write(Path f, long v) throws IOException {
    write(f, v, false);
  }

  private static void write(Path f, long v, boolean optional) throws IOException {
    if (optional && !Files.exists(f)) {
      return;
    }
    try {
      Files.writeString(f, Long.toString(v), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      if (!optional) {
        throw e;
      }
    }
  }

  static String read(Path f) {
    try {
      return Files.readString(f, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return "";
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  Map<String, String> describe() {
    String kind = v2 != null ? "cgroup v2" : "cgroup v1";
    return Map.of(
        "memory", limitsMemory() ? kind + (memsw ? " (memory+swap)" : "") : "none",
        "processes", limitsProcesses() ? kind + " pids" : "none",
        "cpu", limitsCpu() ? kind + (v2 != null ? " cpu.max" : " cfs quota") : "none",
        "teardown", unifiedKill != null ? "cgroup.kill" : "process tree");
  }
}
