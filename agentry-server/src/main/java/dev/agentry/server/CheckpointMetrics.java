package dev.agentry.server;

import dev.agentry.sandbox.WorkspaceCheckpoints;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Duration;

/**
 * Checkpoint and restore durations, bytes uploaded, failed checkpoints (a failure keeps the local
 * copy and is retried, so a rising failure count is the alarm) and blobs collected, per node.
 */
final class CheckpointMetrics implements WorkspaceCheckpoints.Observer {
  private final String node;
  private final Histogram took;
  private final Counter bytes;
  private final Counter failures;
  private final Counter collected;

  CheckpointMetrics(PrometheusRegistry registry, String node) {
    this.node = node;
    this.took =
        Histogram.builder()
            .name("agentry_checkpoint_duration_seconds")
            .help("Workspace checkpoints taken and restored by this node, by operation")
            .unit(Unit.SECONDS)
            .classicOnly()
            .classicUpperBounds(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
            .labelNames("node", "operation")
            .register(registry);
    this.bytes =
        Counter.builder()
            .name("agentry_checkpoint_uploaded_bytes_total")
            .help("Bytes this node uploaded to the blob store for workspace checkpoints")
            .labelNames("node")
            .register(registry);
    this.failures =
        Counter.builder()
            .name("agentry_checkpoint_failures_total")
            .help(
                "Workspace checkpoints that failed (the local copy is kept; the next one retries)")
            .labelNames("node")
            .register(registry);
    this.collected =
        Counter.builder()
            .name("agentry_checkpoint_blobs_deleted_total")
            .help("Checkpoint blobs this node's collector deleted (no checkpoint referred to them)")
            .labelNames("node")
            .register(registry);
    collected.labelValues(node); // present at 0 before the first collection
  }

  /** A collection deleted {@code deleted} blobs. */
  void collected(int deleted) {
    collected.labelValues(node).inc(deleted);
  }

  @Override
  public void taken(WorkspaceCheckpoints.Taken taken) {
    took.labelValues(node, "checkpoint").observe(seconds(taken.took()));
    bytes.labelValues(node).inc(taken.bytesUploaded());
  }

  @Override
  public void failed(String sessionId, RuntimeException e) {
    failures.labelValues(node).inc();
  }

  @Override
  public void restored(String sessionId, Duration d, long read) {
    took.labelValues(node, "restore").observe(seconds(d));
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }
}
