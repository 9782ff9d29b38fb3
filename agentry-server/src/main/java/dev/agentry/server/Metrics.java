package dev.agentry.server;

import dev.agentry.core.ModelUsage;
import dev.agentry.core.SessionStatus;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * This server's Prometheus metrics (ADR 0014), served at {@code GET /metrics}. Every name starts
 * with {@code agentry_}; labels hold only bounded values (model ids, tool names, event types,
 * statuses), never content. Each server has its own registry, so tests can run several.
 */
final class Metrics {
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_.:/@-]{1,80}");

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  private final Counter eventsAppended =
      Counter.builder()
          .name("agentry_events_appended_total")
          .help("Events appended to session logs, by event type")
          .labelNames("type")
          .register(registry);
  private final Histogram modelLatency =
      Histogram.builder()
          .name("agentry_model_request_duration_seconds")
          .help("Model request latency, by model")
          .unit(Unit.SECONDS)
          .classicOnly()
          .classicUpperBounds(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
          .labelNames("model")
          .register(registry);
  private final Counter modelErrors =
      Counter.builder()
          .name("agentry_model_request_errors_total")
          .help("Model requests that failed (cancellations excluded), by model and error type")
          .labelNames("model", "type")
          .register(registry);
  private final Counter tokens =
      Counter.builder()
          .name("agentry_model_tokens_total")
          .help("Tokens used by model requests, by model and kind")
          .labelNames("model", "kind")
          .register(registry);
  private final Counter cost =
      Counter.builder()
          .name("agentry_model_list_cost_cents_total")
          .help("List-price cost of model requests in US cents, by model")
          .labelNames("model")
          .register(registry);
  private final Histogram toolLatency =
      Histogram.builder()
          .name("agentry_tool_call_duration_seconds")
          .help("Latency of tool calls the runtime runs (built-in, web, MCP as mcp), by tool")
          .unit(Unit.SECONDS)
          .classicOnly()
          .classicUpperBounds(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300)
          .labelNames("tool")
          .register(registry);
  private final Counter toolErrors =
      Counter.builder()
          .name("agentry_tool_call_errors_total")
          .help("Tool calls the runtime runs whose result is an error, by tool")
          .labelNames("tool")
          .register(registry);

  Metrics() {
    JvmMetrics.builder().register(registry);
  }

  /** The gauges read at scrape time from the rest of the server. */
  void gauges(
      Supplier<Map<SessionStatus, Long>> sessions,
      IntSupplier sandboxes,
      IntSupplier subscribers,
      IntSupplier queueDepth) {
    GaugeWithCallback.builder()
        .name("agentry_sessions")
        .help("Sessions by status, across workspaces")
        .labelNames("status")
        .callback(cb -> sessions.get().forEach((s, n) -> cb.call(n, s.wireName())))
        .register(registry);
    GaugeWithCallback.builder()
        .name("agentry_sandboxes_alive")
        .help("Session sandboxes currently alive")
        .callback(cb -> cb.call(sandboxes.getAsInt()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("agentry_sse_subscribers")
        .help("Open SSE event streams")
        .callback(cb -> cb.call(subscribers.getAsInt()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("agentry_scheduler_queue_depth")
        .help(
            "Sessions woken but not running here: starting, or waiting out another runner's lease")
        .callback(cb -> cb.call(queueDepth.getAsInt()))
        .register(registry);
  }

  /**
   * This node's share of the work, labelled with its node id so that one scrape config can sum over
   * nodes: sessions it runs now (at most {@code AGENTRY_MAX_RUNNING}) and sessions its sweeps
   * claimed (taken over from dead nodes, or back after its own restart, or queued with no runner),
   * and of those the takeovers: claims of a session whose lease another node held and lost.
   */
  void node(String nodeId, IntSupplier running, LongSupplier claims, LongSupplier takeovers) {
    GaugeWithCallback.builder()
        .name("agentry_node_sessions_running")
        .help("Sessions this node runs now")
        .labelNames("node")
        .callback(cb -> cb.call(running.getAsInt(), nodeId))
        .register(registry);
    CounterWithCallback.builder()
        .name("agentry_node_claims")
        .help("Sessions this node's sweeps claimed since it started")
        .labelNames("node")
        .callback(cb -> cb.call(claims.getAsLong(), nodeId))
        .register(registry);
    CounterWithCallback.builder()
        .name("agentry_node_takeovers")
        .help("Sessions this node's sweeps took over from another node's expired lease")
        .labelNames("node")
        .callback(cb -> cb.call(takeovers.getAsLong(), nodeId))
        .register(registry);
  }

  /**
   * This node's ear on other nodes' appends (PostgreSQL {@code LISTEN/NOTIFY}, ADR 0034): notices
   * received, and how often its listening connection was lost and made again (each time, what it
   * may have missed is read from the log). Both stay 0 on SQLite, where there are no other nodes.
   */
  void clusterFeed(String nodeId, dev.agentry.core.ClusterFeed feed) {
    CounterWithCallback.builder()
        .name("agentry_node_notifications_received")
        .help("Notices of other nodes' appends this node received since it started")
        .labelNames("node")
        .callback(cb -> cb.call(feed.notifications(), nodeId))
        .register(registry);
    CounterWithCallback.builder()
        .name("agentry_node_listener_reconnects")
        .help("Times this node's listening connection was lost and made again since it started")
        .labelNames("node")
        .callback(cb -> cb.call(feed.reconnects(), nodeId))
        .register(registry);
  }

  /** Workspace checkpoints and restores (WorkspaceCheckpoints), labelled with the node id. */
  CheckpointMetrics checkpoints(String nodeId) {
    return new CheckpointMetrics(registry, nodeId);
  }

  /**
   * A model id as a label: {@code scripted:<path>} becomes {@code scripted} (paths are neither
   * bounded nor anyone's business), and anything odd becomes {@code other}.
   */
  static String model(String id) {
    if (id == null) {
      return "other";
    }
    if (id.startsWith("scripted:")) {
      return "scripted";
    }
    return LABEL.matcher(id).matches() ? id : "other";
  }

  static String tool(String name) {
    return name != null && LABEL.matcher(name).matches() ? name : "other";
  }

  void eventAppended(String type) {
    eventsAppended.labelValues(type == null ? "other" : type).inc();
  }

  void modelRequest(String model, long nanos, ModelUsage usage, BigDecimal cents) {
    modelLatency.labelValues(model).observe(nanos / 1e9);
    if (usage != null) {
      tokens.labelValues(model, "input").inc(usage.inputTokens());
      tokens.labelValues(model, "output").inc(usage.outputTokens());
      tokens.labelValues(model, "cache_read").inc(usage.cacheReadInputTokens());
      tokens.labelValues(model, "cache_creation").inc(usage.cacheCreationInputTokens());
    }
    if (cents != null && cents.signum() > 0) {
      cost.labelValues(model).inc(cents.doubleValue());
    }
  }

  void modelFailed(String model, long nanos, String errorType) {
    modelLatency.labelValues(model).observe(nanos / 1e9);
    modelErrors.labelValues(model, errorType).inc();
  }

  void toolCall(String tool, long nanos, boolean error) {
    toolLatency.labelValues(tool).observe(nanos / 1e9);
    if (error) {
      toolErrors.labelValues(tool).inc();
    } else {
      toolErrors.labelValues(tool); // the series exists, at zero, once the tool has run
    }
  }

  String contentType() {
    return writer.getContentType();
  }

  void write(OutputStream out) throws IOException {
    writer.write(out, registry.scrape());
  }
}
