package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.Cancellation;
import dev.agentry.core.Json;
import dev.agentry.core.Redactor;
import dev.agentry.core.ToolOutcome;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;

/** Tool spans record a call's arguments and result only when the operator opts in, redacted. */
class ObservedToolsTest {
  static final String SECRET = "ghp_observedToolsTestSecret0123456789";

  final InMemorySpanExporter spans = InMemorySpanExporter.create();
  final OpenTelemetrySdk sdk =
      OpenTelemetrySdk.builder()
          .setTracerProvider(
              SdkTracerProvider.builder()
                  .addSpanProcessor(SimpleSpanProcessor.create(spans))
                  .build())
          .build();

  SpanData call(Telemetry telemetry) throws Exception {
    Redactor redactor = new Redactor();
    redactor.add(SECRET);
    ObservedTools tools = new ObservedTools(new Metrics(), telemetry, redactor);
    var input = Json.mapper().readTree("{\"command\":\"echo " + SECRET + " && ls\"}");
    ToolOutcome out =
        tools.observe(
            "sesn_x",
            "bash",
            input,
            new Cancellation(),
            () -> ToolOutcome.ok("token=" + SECRET + "\n" + "x".repeat(20_000)));
    assertThat(out.text()).contains(SECRET); // the harness gets the result as it was
    return spans.getFinishedSpanItems().getLast();
  }

  @Test
  void byDefault_aToolSpanHasNoArgumentsOrResult() throws Exception {
    SpanData span = call(new Telemetry(sdk, sdk::close));
    assertThat(span.getName()).isEqualTo("execute_tool bash");
    assertThat(span.getAttributes().get(ObservedTools.ARGUMENTS)).isNull();
    assertThat(span.getAttributes().get(ObservedTools.RESULT)).isNull();
    assertThat(span.getAttributes().asMap().toString())
        .doesNotContain("echo")
        .doesNotContain(SECRET);
  }

  @Test
  void optedIn_aToolSpanHasTheArgumentsAndResult_redactedAndBounded() throws Exception {
    SpanData span = call(new Telemetry(sdk, sdk::close).capturingContent());
    String arguments = span.getAttributes().get(ObservedTools.ARGUMENTS);
    String result = span.getAttributes().get(ObservedTools.RESULT);
    assertThat(arguments).contains("echo " + Redactor.MARK + " && ls");
    assertThat(result).startsWith("token=" + Redactor.MARK);
    assertThat(result.length()).isLessThanOrEqualTo(ObservedTools.MAX_CONTENT + 1);
    assertThat(span.getAttributes().asMap().toString()).doesNotContain(SECRET);
  }

  @Test
  void theSwitchIsTheStandardGenAiContentCaptureVariable() {
    assertThat(Telemetry.off().capturesContent()).isFalse();
    try (Telemetry on =
        Telemetry.fromEnv(
            java.util.Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1",
                "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true"))) {
      assertThat(on.capturesContent()).isTrue();
    }
    try (Telemetry quiet =
        Telemetry.fromEnv(java.util.Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1"))) {
      assertThat(quiet.capturesContent()).isFalse();
    }
  }
}
