package dev.agentry.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Runs the load drivers: {@code store} (SQLite and PostgreSQL appends), {@code store-sqlite},
 * {@code store-pg}, {@code sse} (server delivery to SSE subscribers), {@code sse-nodes} (the same
 * across two nodes on one PostgreSQL: sent to one, streamed from the other), {@code sandbox}
 * (bubblewrap sandbox start and round-trip latency), {@code harness} (the agent loop), {@code
 * model} (a model request above the wire, {@link ModelPathBench}; {@code bench.model.requests} and
 * {@code bench.model.turns}, default 2000 and 300) or {@code all}. System properties {@code
 * bench.warmup} and {@code bench.seconds} set each store case's warm-up and measured window
 * (default 2 s and 6 s); {@code bench.sse.events}, {@code bench.sse.rate} and {@code
 * bench.sse.subscribers} shape the SSE run (default 2000 events at 500/s to 100 subscribers);
 * {@code bench.sandbox.cold}, {@code bench.sandbox.warm}, {@code bench.sandbox.exec} and {@code
 * bench.sandbox.concurrent} set the sandbox sample counts (200, 2000, 200, 200); {@code harness}
 * runs the agent-loop cases, shaped by {@code bench.harness.turns}, {@code bench.harness.messages},
 * {@code bench.harness.concurrent}, {@code bench.harness.events} and {@code bench.harness.wakes}
 * (1500, 200, 2000, 10000, 20); {@code peer} runs the same bash loop through Agentry and through
 * LangGraph.js ({@code bench/langgraph}), shaped by {@code bench.peer.steps}, {@code
 * bench.peer.turns}, {@code bench.peer.warmup} and {@code bench.peer.jit_warmup} (20, 10, 30, 150:
 * turns of each side alone, before the interleaved warm-up), with {@code bench.peer.jfr=<file>} a
 * CPU-time profile of Agentry's measured turns ({@link PeerProfile}); {@code files} uploads and
 * downloads a {@code bench.files.mb} MB file {@code bench.files.runs} times through the Files API
 * on the filesystem and S3 blob stores (100, 3); {@code nodes} kills a server with {@code
 * bench.nodes.sessions} sessions mid-request (default 1000) and measures how soon its restart runs
 * them all again ({@link RestartBench}); {@code checkpoints} checkpoints a workspace of {@code
 * bench.checkpoints.files} files of {@code bench.checkpoints.file_bytes} (1000 Ã 100 KiB) after
 * one file changed, {@code bench.checkpoints.turns} times (20), and restores it ({@link
 * CheckpointBench}).
 */
public final class Main {
  private Main() {}

  /**
   * The SSE run, once per subscriber client: the JDK {@code HttpClient} (the original measure) and
   * plain sockets ({@code bench.sse.client=jdk|socket|both}, default both).
   */
  private static void sse(int subscribers, int events, int rate, PrintStream out) throws Exception {
    String client = System.getProperty("bench.sse.client", "both");
    if (!client.equals("socket")) {
      new SseDeliveryBench(subscribers, events, rate, false, out).run();
    }
    if (!client.equals("jdk")) {
      new SseDeliveryBench(subscribers, events, rate, true, out).run();
    }
  }

  public static void main(String[] args) throws Exception {
    String what = args.length == 0 ? "all" : args[0].toLowerCase(Locale.ROOT);
    PrintStream out = System.out;
    Duration warmup = Duration.ofSeconds(Long.getLong("bench.warmup", 2));
    Duration measure = Duration.ofSeconds(Long.getLong("bench.seconds", 6));
    int events = Integer.getInteger("bench.sse.events", 2000);
    int rate = Integer.getInteger("bench.sse.rate", 500);
    int subscribers = Integer.getInteger("bench.sse.subscribers", 100);
    long begin = System.nanoTime();
    out.println(
        "# Agentry benchmarks ("
            + what
            + ", "
            + Runtime.getRuntime().availableProcessors()
            + " CPUs, Java "
            + Runtime.version()
            + ", load average "
            + loadAverage()
            + ")");
    StoreAppendBench store = new StoreAppendBench(warmup, measure, out);
    SandboxBench sandbox =
        new SandboxBench(
            Integer.getInteger("bench.sandbox.cold", 200),
            Integer.getInteger("bench.sandbox.warm", 2000),
            Integer.getInteger("bench.sandbox.exec", 200),
            Integer.getInteger("bench.sandbox.concurrent", 200),
            out);
    HarnessBench harness =
        new HarnessBench(
            Integer.getInteger("bench.harness.turns", 1500),
            Integer.getInteger("bench.harness.messages", 200),
            Integer.getInteger("bench.harness.concurrent", 2000),
            Integer.getInteger("bench.harness.events", 10_000),
            Integer.getInteger("bench.harness.wakes", 20),
            out);
    PeerBench peer =
        new PeerBench(
            Integer.getInteger("bench.peer.steps", 20),
            Integer.getInteger("bench.peer.turns", 10),
            // Steady state: C2 is still compiling the step's code after a few hundred steps.
            Integer.getInteger("bench.peer.warmup", 30),
            Integer.getInteger("bench.peer.jit_warmup", 150),
            java.nio.file.Path.of(System.getProperty("bench.peer.dir", "bench/langgraph")),
            out);
    ModelPathBench model =
        new ModelPathBench(
            Integer.getInteger("bench.model.requests", 2000),
            Integer.getInteger("bench.model.turns", 300),
            out);
    FilesBench files =
        new FilesBench(
            Integer.getInteger("bench.files.mb", 100),
            Integer.getInteger("bench.files.runs", 3),
            out);
    switch (what) {
      case "store" -> store.run(true, true);
      case "store-sqlite" -> store.run(true, false);
      case "store-pg" -> store.run(false, true);
      case "sse" -> sse(subscribers, events, rate, out);
      case "sse-nodes" -> new SseDeliveryBench(subscribers, events, rate, true, true, out).run();
      case "sandbox" -> sandbox.run();
      case "harness" -> harness.run();
      case "peer" -> peer.run();
      case "model" -> model.run();
      case "files" -> files.run();
      case "nodes" -> new RestartBench(Integer.getInteger("bench.nodes.sessions", 1000), out).run();
      case "checkpoints" ->
          new CheckpointBench(
                  Integer.getInteger("bench.checkpoints.files", 1000),
                  Integer.getInteger("bench.checkpoints.file_bytes", 100 * 1024),
                  Integer.getInteger("bench.checkpoints.turns", 20),
                  out)
              .run();
      case "all" -> {
        store.run(true, true);
        sse(subscribers, events, rate, out);
        sandbox.run();
        harness.run();
        model.run();
        peer.run();
        files.run();
      }
      default -> {
        System.err.println(
            "usage: Main"
                + " store|store-sqlite|store-pg|sse|sse-nodes|sandbox|harness|model|peer|files|nodes"
                + "|checkpoints|all");
        System.exit(2);
      }
    }
    out.printf(
        Locale.ROOT,
        "%nTotal wall time: %.1f s; load average at the end %s%n",
        (System.nanoTime() - begin) / 1e9,
        loadAverage());
    // Helidon and the stores leave no non-daemon threads behind, but be certain the run ends.
    System.exit(0);
  }

  /** {@code /proc/loadavg}'s first three fields: other work on the machine skews the results. */
  private static String loadAverage() {
    try {
      String[] f =
          java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
