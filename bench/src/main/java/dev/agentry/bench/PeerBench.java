package dev.agentry.bench;

import dev.agentry.testkit.FakeAnthropic;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Agentry against LangGraph.js on the same agent loop: the fake model asks for {@code bash} {@code
 * echo step N} {@code steps} times, then answers. Both sides talk to one {@link FakeAnthropic} (the
 * Messages API wire, streaming), in the same run, their turns interleaved (Agentry, LangGraph,
 * Agentry, …) so that other load on the machine falls on both alike. Each turn runs on a fresh
 * session or thread; the first {@code warmup} turns of each side are not counted, and before them
 * each side runs {@code jitWarmup} turns alone (the JVM's JIT needs thousands of steps;
 * LangGraph.js's go to a second SQLite file).
 *
 * <p>A step is timed directly where the client sees it: from the turn's start or the previous tool
 * result to the next tool result (Agentry: the SDK hands the client an {@code agent.tool_result}
 * from the SSE stream; LangGraph: {@code agent.stream} yields the {@code tools} node's update).
 */
final class PeerBench {
  private final int steps;
  private final int turns;
  private final int warmup;
  private final int jitWarmup;

  /** The JVM's CPU time during Agentry's measured turns (its server, SDK client and the fake). */
  private long agentryCpuNanos;

  /** The JIT's compilation time during Agentry's measured turns: steady state shows none. */
  private long agentryCompileMillis;

  private final Path langGraphDir;
  private final PrintStream out;

  PeerBench(int steps, int turns, int warmup, int jitWarmup, Path langGraphDir, PrintStream out) {
    this.steps = steps;
    this.turns = turns;
    this.warmup = warmup;
    this.jitWarmup = jitWarmup;
    this.langGraphDir = langGraphDir;
    this.out = out;
  }

  void run() throws Exception {
    Sample agentry = new Sample();
    Sample langGraph = new Sample();
    Path agentryDir = TempDirs.create("agentry-bench-peer-agentry-");
    Path langGraphData = TempDirs.create("agentry-bench-peer-langgraph-");
    String peer;
    double[] before;
    double[] after;
    PeerProfile profile = PeerProfile.fromProperty();
    try (FakeAnthropic fake = FakeAnthropic.start();
        AgentrySide a = new AgentrySide(fake, agentryDir);
        LangGraphSide l = new LangGraphSide(fake, langGraphDir, langGraphData)) {
      peer = l.describe();
      before = null;
      // Turns of each side alone first, so that the measured turns meet compiled code, as a
      // server (or a Node process) that has run a while does: after 30 interleaved warm-up turns
      // only, the JIT still compiled for 3.7 ms of every measured Agentry step (740 ms in 200).
      // LangGraph.js's go to a second SQLite file: its step slows as the file it reads grows (130
      // turns on one file gave a p50 of 132 ms), which would flatter the ratio.
      for (int i = 0; i < jitWarmup; i++) {
        a.turn(-1 - i, steps);
        l.warm(-1 - i, steps);
      }
      for (int i = 0; i < warmup + turns; i++) {
        if (i == warmup) {
          before = a.serverTimes();
          if (profile != null) {
            profile.start();
          }
        }
        Instant start = Instant.now();
        long cpu0 = processCpuNanos();
        long jit0 = compileMillis();
        PeerTurn mine = a.turn(i, steps);
        long cpu = processCpuNanos() - cpu0;
        long jit = compileMillis() - jit0;
        Instant end = Instant.now();
        PeerTurn theirs = l.turn(i, steps);
        if (i >= warmup) {
          if (profile != null) {
            profile.turn(start, end);
          }
          agentryCpuNanos += cpu;
          agentryCompileMillis += jit;
          agentry.add(mine);
          langGraph.add(theirs);
        }
      }
      after = a.serverTimes();
    } finally {
      TempDirs.delete(agentryDir);
      TempDirs.delete(langGraphData);
    }
    report(agentry, langGraph, peer, before, after);
    if (profile != null) {
      try (profile) {
        profile.report(out, agentryCpuNanos / 1e6 / Math.max(1, agentry.steps.getTotalCount()));
      }
    }
  }

  private void report(
      Sample agentry, Sample langGraph, String peer, double[] before, double[] after) {
    out.println();
    out.printf(
        Locale.ROOT,
        "### Peer: the same %d-step bash loop, Agentry and LangGraph.js, one fake Anthropic"
            + " endpoint (%d turns each after %d warm-up, interleaved)%n",
        steps,
        turns,
        warmup);
    out.println();
    out.println("LangGraph.js side: " + peer);
    out.println();
    out.println(
        "| client-observed, ms | steps | step p50 | step p90 | step p99 | step mean |"
            + " final answer p50 | turn p50 |");
    out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
    agentry.row(out, "Agentry (SDK over HTTP + SSE, bubblewrap, SQLite synchronous=FULL)");
    langGraph.row(
        out,
        "LangGraph.js createReactAgent (in-process, child_process bash, SqliteSaver FULL, sync)");
    double p50 = ratio(agentry.steps, langGraph.steps, 50);
    double mean = agentry.steps.getMean() / langGraph.steps.getMean();
    out.println();
    out.printf(
        Locale.ROOT,
        "Agentry / LangGraph.js per step: p50 %.2f, mean %.2f (target ≤ 0.33; and Agentry's"
            + " step ≤ 4 ms: p50 %.3f ms)%n",
        p50,
        mean,
        Latency.ms(agentry.steps.getValueAtPercentile(50)));
    out.printf(
        Locale.ROOT,
        "LangGraph.js's bash tool (child process) inside its step: p50 %.3f ms%n",
        Latency.ms(langGraph.tools.getValueAtPercentile(50)));
    out.printf(
        Locale.ROOT,
        "CPU time of the bench's JVM during Agentry's measured turns (server, its SDK client and"
            + " the fake endpoint; LangGraph.js runs in its own process): %.3f ms per step%n",
        agentryCpuNanos / 1e6 / Math.max(1, agentry.steps.getTotalCount()));
    out.printf(
        Locale.ROOT,
        "JIT compilation during Agentry's measured turns: %d ms in all (%d turns of %d steps after"
            + " %d turns of each side alone and %d interleaved warm-up turns)%n",
        agentryCompileMillis,
        turns,
        steps,
        jitWarmup,
        warmup);
    if (before != null) {
      double modelMs = (after[0] - before[0]) * 1e3 / Math.max(1, after[1] - before[1]);
      double toolMs = (after[2] - before[2]) * 1e3 / Math.max(1, after[3] - before[3]);
      out.printf(
          Locale.ROOT,
          "Agentry server's own histograms over the measured turns (means): model request %.3f ms"
              + " (%d requests, fake endpoint included), bash tool call %.3f ms (%d calls,"
              + " sandbox round trip)%n",
          modelMs,
          (long) (after[1] - before[1]),
          toolMs,
          (long) (after[3] - before[3]));
    }
  }

  /** The CPU time all threads of this JVM have used, or 0 where the platform does not say. */
  private static long processCpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean os
        ? Math.max(0, os.getProcessCpuTime())
        : 0;
  }

  /** The JIT compilers' accumulated time, or 0 where the JVM does not say. */
  private static long compileMillis() {
    var jit = java.lang.management.ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported()
        ? jit.getTotalCompilationTime()
        : 0;
  }

  private static double ratio(Histogram a, Histogram b, double percentile) {
    return (double) a.getValueAtPercentile(percentile) / b.getValueAtPercentile(percentile);
  }

  /** One side's measured turns. */
  private static final class Sample {
    final Histogram steps = Latency.histogram();
    final Histogram tools = Latency.histogram();
    final Histogram answers = Latency.histogram();
    final Histogram turns = Latency.histogram();

    void add(PeerTurn t) {
      t.steps().forEach(n -> Latency.record(steps, n));
      t.tools().forEach(n -> Latency.record(tools, n));
      Latency.record(answers, t.answer());
      Latency.record(turns, t.turn());
    }

    void row(PrintStream out, String name) {
      out.printf(
          Locale.ROOT,
          "| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |%n",
          name,
          steps.getTotalCount(),
          Latency.ms(steps.getValueAtPercentile(50)),
          Latency.ms(steps.getValueAtPercentile(90)),
          Latency.ms(steps.getValueAtPercentile(99)),
          steps.getMean() / 1e6,
          Latency.ms(answers.getValueAtPercentile(50)),
          Latency.ms(turns.getValueAtPercentile(50)));
    }
  }
}
