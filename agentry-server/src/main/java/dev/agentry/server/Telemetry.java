package dev.agentry.server;

import dev.agentry.core.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.Map;

/**
 * OpenTelemetry traces (ADR 0014): off unless the standard {@code OTEL_*} variables name an
 * exporter or an OTLP endpoint; then configured from them by the SDK's autoconfiguration (traces
 * only: metrics are served at {@code /metrics}, logs go to Logback). Implements the harness's
 * {@link Tracing} with an {@code agentry.turn} span.
 */
final class Telemetry implements Tracing, AutoCloseable {
  static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("session.id");
  private static final String SCOPE = "dev.agentry";

  private final OpenTelemetry otel;
  private final Tracer tracer;
  private final AutoCloseable shutdown;
  private final boolean capturesContent;

  Telemetry(OpenTelemetry otel, AutoCloseable shutdown) {
    this(otel, shutdown, false);
  }

  private Telemetry(OpenTelemetry otel, AutoCloseable shutdown, boolean capturesContent) {
    this.otel = otel;
    this.tracer = otel.getTracer(SCOPE);
    this.shutdown = shutdown;
    this.capturesContent = capturesContent;
  }

  /** The same traces, with tool call arguments and results on the tool spans. */
  Telemetry capturingContent() {
    return new Telemetry(otel, shutdown, true);
  }

  /**
   * Whether tool spans carry the call's arguments and result: only if {@code
   * OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true}, the switch OpenTelemetry's GenAI
   * instrumentations use. Off by default: tool inputs and outputs are the user's data.
   */
  boolean capturesContent() {
    return capturesContent;
  }

  /** Records nothing. */
  static Telemetry off() {
    return new Telemetry(OpenTelemetry.noop(), () -> {});
  }

  /** Whether {@code env} (or the matching system properties) asks for traces. */
  static boolean configured(Map<String, String> env) {
    if ("true".equalsIgnoreCase(setting(env, "OTEL_SDK_DISABLED"))) {
      return false;
    }
    String exporter = setting(env, "OTEL_TRACES_EXPORTER");
    if (exporter != null && !exporter.isBlank()) {
      return !exporter.trim().equalsIgnoreCase("none");
    }
    return notBlank(setting(env, "OTEL_EXPORTER_OTLP_ENDPOINT"))
        || notBlank(setting(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }

  private static String setting(Map<String, String> env, String name) {
    String prop = System.getProperty(name.toLowerCase(java.util.Locale.ROOT).replace('_', '.'));
    return prop != null ? prop : env.get(name);
  }

  /** Traces as the environment configures them, or {@link #off()}. */
  static Telemetry fromEnv(Map<String, String> env) {
    if (!configured(env)) {
      return off();
    }
    OpenTelemetrySdk sdk =
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(
                () ->
                    Map.of(
                        "otel.service.name", "agentry",
                        "otel.metrics.exporter", "none",
                        "otel.logs.exporter", "none",
                        // The JDK HttpClient sender speaks OTLP over HTTP only (no gRPC stack).
                        "otel.exporter.otlp.protocol", "http/protobuf"))
            .build()
            .getOpenTelemetrySdk();
    Telemetry telemetry = new Telemetry(sdk, sdk::close);
    return "true"
            .equalsIgnoreCase(setting(env, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"))
        ? telemetry.capturingContent()
        : telemetry;
  }

  Tracer tracer() {
    return tracer;
  }

  OpenTelemetry openTelemetry() {
    return otel;
  }

  @Override
  public Tracing.Span turn(String sessionId) {
    io.opentelemetry.api.trace.Span span =
        tracer.spanBuilder("agentry.turn").setAttribute(SESSION_ID, sessionId).startSpan();
    Scope scope = span.makeCurrent();
    return () -> {
      scope.close();
      span.end();
    };
  }

  @Override
  public void close() {
    try {
      shutdown.close();
    } catch (Exception e) {
      LoggerHolder.LOG.debug("closing OpenTelemetry failed", e);
    }
  }

  private static final class LoggerHolder {
    static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Telemetry.class);
  }
}
