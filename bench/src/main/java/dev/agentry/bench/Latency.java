package dev.agentry.bench;

import java.io.PrintStream;
import java.util.Collection;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** Latency samples in nanoseconds and the result rows printed from them. */
final class Latency {
  private static final long HIGHEST = TimeUnit.SECONDS.toNanos(120);

  private Latency() {}

  /** A histogram for one recording thread (histograms are not thread-safe). */
  static Histogram histogram() {
    return new Histogram(HIGHEST, 3);
  }

  /** Records {@code nanos}, clamped to the histogram's range. */
  static void record(Histogram h, long nanos) {
    h.recordValue(Math.max(0, Math.min(nanos, HIGHEST)));
  }

  static Histogram merge(Collection<Histogram> parts) {
    Histogram all = histogram();
    parts.forEach(all::add);
    return all;
  }

  static void header(PrintStream out, String what) {
    out.println();
    out.println("| " + what + " | events | events/s | p50 ms | p99 ms | p99.9 ms | max ms |");
    out.println("|---|---:|---:|---:|---:|---:|---:|");
  }

  static void row(PrintStream out, String name, Histogram h, double seconds) {
    long n = h.getTotalCount();
    out.printf(
        Locale.ROOT,
        "| %s | %d | %s | %.3f | %.3f | %.3f | %.3f |%n",
        name,
        n,
        seconds > 0 ? String.format(Locale.ROOT, "%,.0f", n / seconds) : "-",
        ms(h.getValueAtPercentile(50)),
        ms(h.getValueAtPercentile(99)),
        ms(h.getValueAtPercentile(99.9)),
        ms(h.getMaxValue()));
    out.flush();
  }

  static double ms(long nanos) {
    return nanos / 1_000_000.0;
  }
}
