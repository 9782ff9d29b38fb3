package dev.agentry.bench;

import dev.agentry.core.ExecResult;
import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxLimits;
import dev.agentry.core.SandboxProvider;
import dev.agentry.sandbox.Sandboxes;
import dev.agentry.sandbox.Workspaces;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Bubblewrap sandbox latencies through the public API ({@link Sandboxes#bubblewrap()} with {@link
 * SandboxLimits#DEFAULTS}), each workspace made by {@link Workspaces} in a temporary data dir:
 *
 * <ol>
 *   <li>cold start: {@code provision} (which starts the shell eagerly) until the first {@code
 *       shell("echo hi")} has answered, sequentially, a fresh workspace each, closed after;
 *   <li>warm round trip: {@code shell("echo hi")} on one open sandbox;
 *   <li>one-shot exec: {@code exec(["/bin/true"])} on one open sandbox (a new bwrap each time);
 *   <li>concurrent start: {@code concurrent} virtual threads each provision, {@code echo hi} and
 *       close at once.
 * </ol>
 *
 * Every phase has a deadline; workspaces are deleted and the run checks that it left no cgroup
 * directory behind under {@code /sys/fs/cgroup/[controller/]agentry}.
 */
final class SandboxBench {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration PHASE_DEADLINE = Duration.ofSeconds(120);
  private static final int COLD_WARMUP = 10;
  private static final int WARM_WARMUP = 200;
  private static final int EXEC_WARMUP = 20;

  private final int coldN;
  private final int warmN;
  private final int execN;
  private final int concurrentN;
  private final PrintStream out;
  private final AtomicInteger ids = new AtomicInteger();
  private Workspaces workspaces;
  private SandboxProvider provider;

  SandboxBench(int coldN, int warmN, int execN, int concurrentN, PrintStream out) {
    this.coldN = coldN;
    this.warmN = warmN;
    this.execN = execN;
    this.concurrentN = concurrentN;
    this.out = out;
  }

  void run() throws InterruptedException {
    Set<Path> cgroupsBefore = cgroupChildren();
    Path dataDir = TempDirs.create("agentry-bench-sandbox-");
    workspaces = Workspaces.of(dataDir);
    provider = Sandboxes.bubblewrap();
    try {
      Map<String, String> enforcement = provider.enforcement();
      out.println();
      out.println("### Sandbox: bubblewrap, SandboxLimits.DEFAULTS, workspaces under " + dataDir);
      out.println();
      out.println("Enforcement: " + enforcement);
      out.println();
      out.println("| sandbox case | n | p50 ms | p95 ms | p99 ms | max ms |");
      out.println("|---|---:|---:|---:|---:|---:|");
      out.flush();
      cold();
      warm();
      exec();
      concurrent();
    } finally {
      TempDirs.delete(dataDir);
      Set<Path> left = new TreeSet<>(cgroupChildren());
      left.removeAll(cgroupsBefore);
      out.println();
      out.println(
          "Cleanup: data dir "
              + (Files.exists(dataDir) ? "NOT deleted" : "deleted")
              + "; new cgroup dirs left under /sys/fs/cgroup/*/agentry: "
              + left.size()
              + (left.isEmpty() ? "" : " " + left)
              + " (before the run: "
              + cgroupsBefore.size()
              + ")");
      out.flush();
    }
  }

  /** Provision until the first answered {@code echo hi}; provision, first call, close apart. */
  private void cold() {
    for (int i = 0; i < COLD_WARMUP; i++) {
      coldOnce(null, null, null, null);
    }
    Histogram total = Latency.histogram();
    Histogram prov = Latency.histogram();
    Histogram first = Latency.histogram();
    Histogram close = Latency.histogram();
    long deadline = System.nanoTime() + PHASE_DEADLINE.toNanos();
    for (int i = 0; i < coldN && System.nanoTime() < deadline; i++) {
      coldOnce(total, prov, first, close);
    }
    row("cold start: provision → first `echo hi` answered", total, coldN);
    row("  of which provision (shell started eagerly)", prov, coldN);
    row("  of which first `shell(\"echo hi\")`", first, coldN);
    row("  close (not in cold start)", close, coldN);
  }

  private void coldOnce(Histogram total, Histogram prov, Histogram first, Histogram close) {
    String id = sessionId();
    Path ws = workspaces.create(id);
    try {
      long t0 = System.nanoTime();
      Sandbox sb = provider.provision(id, ws, SandboxLimits.DEFAULTS);
      long t1 = System.nanoTime();
      try {
        check(sb.shell("echo hi", CALL_TIMEOUT));
        long t2 = System.nanoTime();
        if (total != null) {
          Latency.record(total, t2 - t0);
          Latency.record(prov, t1 - t0);
          Latency.record(first, t2 - t1);
        }
      } finally {
        long c0 = System.nanoTime();
        sb.close();
        if (close != null) {
          Latency.record(close, System.nanoTime() - c0);
        }
      }
    } finally {
      workspaces.remove(id);
    }
  }

  private void warm() {
    String id = sessionId();
    Path ws = workspaces.create(id);
    try (Sandbox sb = provider.provision(id, ws, SandboxLimits.DEFAULTS)) {
      for (int i = 0; i < WARM_WARMUP; i++) {
        check(sb.shell("echo hi", CALL_TIMEOUT));
      }
      Histogram h = Latency.histogram();
      long deadline = System.nanoTime() + PHASE_DEADLINE.toNanos();
      for (int i = 0; i < warmN && System.nanoTime() < deadline; i++) {
        long t0 = System.nanoTime();
        ExecResult r = sb.shell("echo hi", CALL_TIMEOUT);
        Latency.record(h, System.nanoTime() - t0);
        check(r);
      }
      row("warm round trip: `shell(\"echo hi\")`", h, warmN);
    } finally {
      workspaces.remove(id);
    }
  }

  private void exec() {
    String id = sessionId();
    Path ws = workspaces.create(id);
    List<String> argv = List.of("/bin/true");
    try (Sandbox sb = provider.provision(id, ws, SandboxLimits.DEFAULTS)) {
      for (int i = 0; i < EXEC_WARMUP; i++) {
        checkExit(sb.exec(argv, null, CALL_TIMEOUT));
      }
      Histogram h = Latency.histogram();
      long deadline = System.nanoTime() + PHASE_DEADLINE.toNanos();
      for (int i = 0; i < execN && System.nanoTime() < deadline; i++) {
        long t0 = System.nanoTime();
        ExecResult r = sb.exec(argv, null, CALL_TIMEOUT);
        Latency.record(h, System.nanoTime() - t0);
        checkExit(r);
      }
      row("one-shot `exec([\"/bin/true\"])`, warm sandbox", h, execN);
    } finally {
      workspaces.remove(id);
    }
  }

  /** All at once on virtual threads; per sandbox: provision → echo answered, and incl. close. */
  private void concurrent() throws InterruptedException {
    ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(concurrentN);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < concurrentN; i++) {
      String id = sessionId();
      workspaces.create(id);
      ids.add(id);
    }
    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    long wall;
    boolean finished;
    try {
      for (String id : ids) {
        pool.execute(
            () -> {
              try {
                go.await();
                long t0 = System.nanoTime();
                Sandbox sb = provider.provision(id, workspaces.path(id), SandboxLimits.DEFAULTS);
                long t1;
                try {
                  check(sb.shell("echo hi", CALL_TIMEOUT));
                  t1 = System.nanoTime();
                } finally {
                  sb.close();
                }
                samples.add(new long[] {t1 - t0, System.nanoTime() - t0});
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                errors.add(id + ": interrupted");
              } catch (RuntimeException e) {
                errors.add(id + ": " + e);
              } finally {
                done.countDown();
              }
            });
      }
      long t0 = System.nanoTime();
      go.countDown();
      finished = done.await(PHASE_DEADLINE.toSeconds(), TimeUnit.SECONDS);
      wall = System.nanoTime() - t0;
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(30, TimeUnit.SECONDS);
      for (String id : ids) {
        workspaces.remove(id);
      }
    }
    Histogram ready = Latency.histogram();
    Histogram withClose = Latency.histogram();
    for (long[] s : samples) {
      Latency.record(ready, s[0]);
      Latency.record(withClose, s[1]);
    }
    row(
        concurrentN + " concurrent: provision → `echo hi` answered, per sandbox",
        ready,
        concurrentN);
    row(concurrentN + " concurrent: … and closed, per sandbox", withClose, concurrentN);
    int failures = concurrentN - samples.size();
    out.printf(
        Locale.ROOT,
        "%n%d sandboxes started concurrently: wall time %.3f s (first start to last close)%s,"
            + " %d ok, %d failures%n",
        concurrentN,
        wall / 1e9,
        finished ? "" : " (DEADLINE HIT)",
        samples.size(),
        failures);
    errors.stream().limit(5).forEach(e -> out.println("  failure: " + e));
    out.flush();
  }

  private void row(String name, Histogram h, int wanted) {
    long n = h.getTotalCount();
    out.printf(
        Locale.ROOT,
        "| %s | %s | %.3f | %.3f | %.3f | %.3f |%n",
        name,
        n == wanted ? Long.toString(n) : n + " of " + wanted + " (deadline)",
        Latency.ms(h.getValueAtPercentile(50)),
        Latency.ms(h.getValueAtPercentile(95)),
        Latency.ms(h.getValueAtPercentile(99)),
        Latency.ms(h.getMaxValue()));
    out.flush();
  }

  private String sessionId() {
    return "sesn_bench" + ids.incrementAndGet();
  }

  private static void check(ExecResult r) {
    if (r.exitCode() != 0 || !r.output().strip().equals("hi")) {
      throw new IllegalStateException(
          "echo hi answered exit " + r.exitCode() + ", output '" + r.output() + "'");
    }
  }

  private static void checkExit(ExecResult r) {
    if (r.exitCode() != 0) {
      throw new IllegalStateException("/bin/true exited " + r.exitCode() + ": " + r.output());
    }
  }

  /** Child directories of every {@code agentry} cgroup parent (v1 controllers and v2). */
  private static Set<Path> cgroupChildren() {
    Set<Path> all = new TreeSet<>();
    Path root = Path.of("/sys/fs/cgroup");
    List<Path> parents = new ArrayList<>();
    parents.add(root.resolve("agentry"));
    try (Stream<Path> controllers = Files.list(root)) {
      controllers.forEach(c -> parents.add(c.resolve("agentry")));
    } catch (IOException e) {
      return all;
    }
    for (Path p : parents) {
      if (!Files.isDirectory(p)) {
        continue;
      }
      try (Stream<Path> kids = Files.list(p)) {
        kids.filter(Files::isDirectory).forEach(all::add);
      } catch (IOException e) {
        // a controller we cannot read has nothing of ours
      }
    }
    return all;
  }
}
