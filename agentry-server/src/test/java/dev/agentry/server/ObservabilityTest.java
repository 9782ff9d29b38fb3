package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} and the OpenTelemetry spans of a real turn: the real server, the fake
 * Anthropic endpoint over HTTP, a bash call in the real sandbox, a web_fetch of a local page and a
 * call of a real MCP server's tool, spans caught in memory.
 */
class ObservabilityTest {
  private static final String MODEL_KEY = "sk-ant-observability-secret-0123456789";
  private static final String VAULT_TOKEN = "ghp_observability_vault_token_0123456789";
  private static final String TOOL_INPUT = "tool-input-marker-4711";
  private static final String MODEL = "claude-sonnet-4-6";

  @TempDir static Path dataDir;
  static FakeAnthropic fake;
  static TestServer server;
  static InMemorySpanExporter spans;
  static String envId;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeAnthropic.start();
    spans = InMemorySpanExporter.create();
    SdkTracerProvider tracing =
        SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(tracing).build();
    server =
        new TestServer(
            dataDir,
            null,
            Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", MODEL_KEY),
            new Telemetry(sdk, sdk::close));
    envId = BadInputTest.id(server.call("POST", "/v1/environments", "{\"name\":\"obs\"}"));
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
  }

  @Test
  void metrics_needNoKey_andIncludeTheJvm() {
    HttpResponse<String> r = server.call("GET", "/metrics", null, Map.of());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
    assertThat(r.body())
        .contains("agentry_sessions{")
        .contains("agentry_sandboxes_alive ")
        .contains("agentry_sse_subscribers ")
        .contains("agentry_scheduler_queue_depth 0")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void aTurnWithAToolCall_movesTheMetrics_andIsTracedAsATurnWithModelAndToolChildren()
      throws Exception {
    String vault = BadInputTest.id(server.call("POST", "/v1/vaults", "{\"display_name\":\"v\"}"));
    var credential =
        server.call(
            "POST",
            "/v1/vaults/" + vault + "/credentials",
            "{\"display_name\":\"gh\",\"auth\":{\"type\":\"static_bearer\",\"mcp_server_url\":\"https://mcp.example.com/mcp\",\"token\":\""
                + VAULT_TOKEN
                + "\"}}");
    assertThat(credential.statusCode()).as(credential.body()).isEqualTo(200);
    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":\"echo " + TOOL_INPUT + "\"}").usage(11, 7),
        FakeAnthropic.text("done").usage(13, 3));
    String agent =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"obs\",\"model\":\""
                    + MODEL
                    + "\",\"tools\":[{\"type\":\"agent_toolset_20260401\"}]}"));
    String session =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/sessions",
                "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + envId + "\"}"));
    Map<String, Double> before = scrape();
    var sent =
        server.call(
            "POST",
            "/v1/sessions/" + session + "/events",
            "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\"go\"}]}]}");
    assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(20)).until(() -> idle(session));

    Map<String, Double> after = scrape();
    assertThat(delta(before, after, "agentry_events_appended_total{type=\"user.message\"}"))
        .isEqualTo(1);
    assertThat(delta(before, after, "agentry_events_appended_total{type=\"agent.tool_use\"}"))
        .isEqualTo(1);
    assertThat(delta(before, after, "agentry_events_appended_total{type=\"agent.tool_result\"}"))
        .isEqualTo(1);
    assertThat(
            delta(
                before,
                after,
                "agentry_model_request_duration_seconds_count{model=\"" + MODEL + "\"}"))
        .isEqualTo(2);
    assertThat(
            delta(
                before,
                after,
                "agentry_model_tokens_total{kind=\"input\",model=\"" + MODEL + "\"}"))
        .isEqualTo(24);
    assertThat(
            delta(
                before,
                after,
                "agentry_model_tokens_total{kind=\"output\",model=\"" + MODEL + "\"}"))
        .isEqualTo(10);
    assertThat(after.get("agentry_model_list_cost_cents_total{model=\"" + MODEL + "\"}"))
        .isPositive();
    assertThat(delta(before, after, "agentry_tool_call_duration_seconds_count{tool=\"bash\"}"))
        .isEqualTo(1);
    assertThat(after.get("agentry_tool_call_errors_total{tool=\"bash\"}")).isZero();
    assertThat(after.get("agentry_sessions{status=\"idle\"}")).isGreaterThanOrEqualTo(1);
    assertThat(after).containsKey("agentry_sessions{status=\"running\"}");

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> spans.getFinishedSpanItems().stream().anyMatch(s -> isTurn(s, session)));
    List<SpanData> all = spans.getFinishedSpanItems();
    SpanData turn = all.stream().filter(s -> isTurn(s, session)).findFirst().orElseThrow();
    List<SpanData> children =
        all.stream()
            .filter(s -> s.getParentSpanId().equals(turn.getSpanId()))
            .filter(s -> s.getTraceId().equals(turn.getTraceId()))
            .toList();
    List<SpanData> models =
        children.stream().filter(s -> s.getName().equals("chat " + MODEL)).toList();
    assertThat(models).hasSize(2);
    for (SpanData m : models) {
      assertThat(m.getAttributes().get(AttributeKey.stringKey("gen_ai.system")))
          .isEqualTo("anthropic");
      assertThat(m.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model")))
          .isEqualTo(MODEL);
    }
    assertThat(models)
        .extracting(m -> m.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens")))
        .containsExactlyInAnyOrder(11L, 13L);
    assertThat(models)
        .extracting(m -> m.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens")))
        .containsExactlyInAnyOrder(7L, 3L);
    assertThat(models)
        .extracting(
            m ->
                m.getAttributes()
                    .get(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons")))
        .containsExactlyInAnyOrder(List.of("tool_use"), List.of("end_turn"));
    SpanData tool =
        children.stream()
            .filter(s -> s.getName().equals("execute_tool bash"))
            .findFirst()
            .orElseThrow();
    assertThat(tool.getAttributes().get(AttributeKey.stringKey("gen_ai.tool.name")))
        .isEqualTo("bash");
    assertThat(tool.getAttributes().get(AttributeKey.stringKey("agentry.tool.outcome")))
        .isEqualTo("ok");
    assertThat(tool.getEndEpochNanos()).isGreaterThan(tool.getStartEpochNanos());

    for (SpanData s : all) {
      s.getAttributes()
          .forEach(
              (k, v) ->
                  assertThat(String.valueOf(v))
                      .as("attribute %s of span %s", k, s.getName())
                      .doesNotContain(MODEL_KEY)
                      .doesNotContain(VAULT_TOKEN)
                      .doesNotContain(TestServer.KEY)
                      .doesNotContain(TOOL_INPUT));
    }
  }

  @Test
  void webFetchAndMcpToolCalls_areMeteredAndTraced_onceEach_likeBuiltInTools() throws Exception {
    try (TestMcpServer mcp = new TestMcpServer(null);
        LocalPage web =
            new LocalPage(
                "text/html; charset=utf-8",
                "<html><head><title>Obs</title></head><body><p>fetched</p></body></html>")) {
      String url = web.base() + "/" + TOOL_INPUT;
      fake.enqueue(
          FakeAnthropic.toolUse("web_fetch", "{\"url\":\"" + url + "\"}"),
          FakeAnthropic.toolUse("tools__echo", "{\"text\":\"" + TOOL_INPUT + "\"}"),
          FakeAnthropic.text("done"));
      String agent =
          BadInputTest.id(
              server.call(
                  "POST",
                  "/v1/agents",
                  "{\"name\":\"obs-web-mcp\",\"model\":\""
                      + MODEL
                      + "\",\"mcp_servers\":[{\"type\":\"url\",\"name\":\"tools\",\"url\":\""
                      + mcp.url()
                      + "\"}],\"tools\":[{\"type\":\"agent_toolset_20260401\",\"configs\":"
                      + "[{\"name\":\"web_fetch\",\"allowed_domains\":[\"127.0.0.1\"]}]},"
                      + "{\"type\":\"mcp_toolset\",\"mcp_server_name\":\"tools\"}]}"));
      String session =
          BadInputTest.id(
              server.call(
                  "POST",
                  "/v1/sessions",
                  "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + envId + "\"}"));
      Map<String, Double> before = scrape();
      AgentLoopEndToEndTest.say(server, session, "fetch, then echo");
      await().atMost(Duration.ofSeconds(30)).until(() -> idle(session));
      assertThat(mcp.echoCalls).containsExactly(TOOL_INPUT);

      Map<String, Double> after = scrape();
      assertThat(
              delta(before, after, "agentry_tool_call_duration_seconds_count{tool=\"web_fetch\"}"))
          .isEqualTo(1);
      assertThat(delta(before, after, "agentry_tool_call_errors_total{tool=\"web_fetch\"}"))
          .isZero();
      assertThat(delta(before, after, "agentry_tool_call_duration_seconds_count{tool=\"mcp\"}"))
          .isEqualTo(1);
      assertThat(delta(before, after, "agentry_tool_call_errors_total{tool=\"mcp\"}")).isZero();
      assertThat(after.keySet())
          .noneMatch(k -> k.contains("tools__echo"))
          .noneMatch(k -> k.contains(TOOL_INPUT));

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> spans.getFinishedSpanItems().stream().anyMatch(s -> isTurn(s, session)));
      List<SpanData> all = spans.getFinishedSpanItems();
      SpanData turn = all.stream().filter(s -> isTurn(s, session)).findFirst().orElseThrow();
      List<SpanData> tools =
          all.stream()
              .filter(s -> s.getName().startsWith("execute_tool "))
              .filter(s -> session.equals(s.getAttributes().get(Telemetry.SESSION_ID)))
              .toList();
      assertThat(tools)
          .extracting(SpanData::getName)
          .containsExactly("execute_tool web_fetch", "execute_tool mcp");
      for (SpanData tool : tools) {
        assertThat(tool.getParentSpanId()).isEqualTo(turn.getSpanId());
        assertThat(tool.getTraceId()).isEqualTo(turn.getTraceId());
        assertThat(tool.getAttributes().get(ObservedTools.OUTCOME)).isEqualTo("ok");
        tool.getAttributes()
            .forEach(
                (k, v) ->
                    assertThat(String.valueOf(v))
                        .as("attribute %s of span %s", k, tool.getName())
                        .doesNotContain(TOOL_INPUT)
                        .doesNotContain("127.0.0.1"));
      }
    }
  }

  private static boolean isTurn(SpanData s, String session) {
    return s.getName().equals("agentry.turn")
        && session.equals(s.getAttributes().get(AttributeKey.stringKey("session.id")));
  }

  private static boolean idle(String session) throws Exception {
    JsonNode body =
        Json.mapper()
            .readTree(server.call("GET", "/v1/sessions/" + session + "/events", null).body());
    for (JsonNode e : body.get("data")) {
      if (e.get("type").asText().equals("session.status_idle")) {
        return true;
      }
    }
    return false;
  }

  private static double delta(Map<String, Double> before, Map<String, Double> after, String key) {
    assertThat(after).as("series %s", key).containsKey(key);
    return after.get(key) - before.getOrDefault(key, 0.0);
  }

  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*})? (\\S+)$");

  /** The scrape's samples, keyed by name and labels as written. */
  private static Map<String, Double> scrape() {
    HttpResponse<String> r = server.call("GET", "/metrics", null, Map.of());
    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, Double> out = new HashMap<>();
    for (String line : r.body().split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("#") && m.matches()) {
        out.put(
            m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
      }
    }
    return out;
  }
}
