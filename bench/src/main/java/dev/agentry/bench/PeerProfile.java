package dev.agentry.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * A CPU-time profile of Agentry's measured turns in the peer bench ({@code
 * -Dbench.peer.jfr=<file>}): JFR's {@code jdk.CPUTimeSample} (a thread's stack per millisecond of
 * its CPU time, throttled; the recording itself costs the JVM ≈ 1–3 ms of CPU per step, so compare
 * CPU figures of runs without it) over the measured turns, kept to the samples taken during
 * Agentry's turns, and each sample assigned to the part of the bench's JVM that spent it: the fake
 * endpoint, the SDK client (the bench's own threads), or Agentry's server (everything else). The
 * server's share of the samples times the JVM's CPU time during those turns estimates the server's
 * own CPU per step, which is what a change to the server moves; the JVM's total also counts the SDK
 * parsing the stream and the fake answering.
 */
final class PeerProfile implements AutoCloseable {
  private final Path file;
  private final Recording recording = new Recording();
  private final List<Instant[]> windows = new ArrayList<>();

  private PeerProfile(Path file) {
    this.file = file;
    recording.enable("jdk.CPUTimeSample").with("throttle", "1ms").withStackTrace();
    recording.enable("jdk.CPUTimeSamplesLost");
    recording.setToDisk(true);
  }

  /** A profile into {@code bench.peer.jfr}, or null when that property is not set. */
  static PeerProfile fromProperty() {
    String path = System.getProperty("bench.peer.jfr");
    return path == null || path.isBlank() ? null : new PeerProfile(Path.of(path));
  }

  void start() {
    recording.start();
  }

  /** One of Agentry's measured turns ran from {@code start} to {@code end}. */
  void turn(Instant start, Instant end) {
    windows.add(new Instant[] {start, end});
  }

  /** Stops the recording and prints the split and the server's hottest frames. */
  void report(PrintStream out, double jvmCpuMsPerStep) throws IOException {
    recording.stop();
    recording.dump(file);
    Map<String, Integer> owners = new HashMap<>();
    Map<String, Integer> serverTop = new HashMap<>();
    Map<String, Integer> serverAreas = new HashMap<>();
    int total = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
      if (!e.getEventType().getName().equals("jdk.CPUTimeSample") || !inTurn(e.getStartTime())) {
        continue;
      }
      List<RecordedFrame> frames =
          e.getStackTrace() == null ? List.of() : e.getStackTrace().getFrames();
      String thread =
          e.getThread("eventThread") == null ? "" : e.getThread("eventThread").getJavaName();
      String owner = owner(frames, thread == null ? "" : thread);
      owners.merge(owner, 1, Integer::sum);
      total++;
      if (owner.equals("server") && !frames.isEmpty()) {
        serverTop.merge(name(frames.getFirst()), 1, Integer::sum);
        serverAreas.merge(area(frames), 1, Integer::sum);
      }
    }
    int server = owners.getOrDefault("server", 0);
    out.printf(
        Locale.ROOT,
        "CPU profile (%s, %d CPU-time samples in Agentry's measured turns): %s; the server's"
            + " share × the JVM's CPU per step ≈ %.3f ms of server CPU per step%n",
        file,
        total,
        shares(owners, total),
        total == 0 ? 0 : jvmCpuMsPerStep * server / total);
    out.println(
        "Server samples by area (innermost agentry/library frame): " + shares(serverAreas, server));
    out.println("Server's hottest frames: " + shares(top(serverTop, 25), server));
  }

  private boolean inTurn(Instant at) {
    for (Instant[] w : windows) {
      if (!at.isBefore(w[0]) && !at.isAfter(w[1])) {
        return true;
      }
    }
    return false;
  }

  private static String owner(List<RecordedFrame> frames, String thread) {
    if (thread.startsWith("HTTP-Dispatcher")) {
      return "fake";
    }
    for (RecordedFrame f : frames) {
      String type = f.getMethod().getType().getName();
      if (type.startsWith("dev.agentry.testkit.") || type.startsWith("sun.net.httpserver.")) {
        return "fake";
      }
      if (type.startsWith("dev.agentry.bench.")) {
        return "sdk-client";
      }
    }
    if (thread.startsWith("OkHttp") || thread.startsWith("Okio")) {
      return "okhttp-threads";
    }
    return "server";
  }

  /** The innermost frame's package, coarsely: where the server's CPU goes. */
  private static String area(List<RecordedFrame> frames) {
    for (RecordedFrame f : frames) {
      String type = f.getMethod().getType().getName();
      if (type.startsWith("dev.agentry.")) {
        String[] parts = type.split("\\.");
        return parts.length > 2 ? parts[2] + "." + parts[parts.length - 1] : type;
      }
    }
    String type = frames.getFirst().getMethod().getType().getName();
    String[] parts = type.split("\\.");
    return parts.length > 2 ? parts[0] + "." + parts[1] + "." + parts[2] : type;
  }

  private static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  private static Map<String, Integer> top(Map<String, Integer> counts, int n) {
    Map<String, Integer> top = new java.util.LinkedHashMap<>();
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(n)
        .forEach(e -> top.put(e.getKey(), e.getValue()));
    return top;
  }

  private static String shares(Map<String, Integer> counts, int total) {
    StringBuilder s = new StringBuilder();
    top(counts, 40)
        .forEach(
            (k, v) ->
                s.append(s.isEmpty() ? "" : ", ")
                    .append(k)
                    .append(String.format(Locale.ROOT, " %.1f%%", 100.0 * v / Math.max(1, total))));
    return s.toString();
  }

  @Override
  public void close() {
    recording.close();
  }
}
