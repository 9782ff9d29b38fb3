package dev.agentry.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
import dev.agentry.core.ToolDefinition;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible client against a small fake Chat Completions endpoint. */
class OpenAiCompatibleModelClientTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "sk-openai-secret-42";

  /** One scripted answer: an HTTP status, headers, and SSE data payloads (or an error body). */
  record Answer(int status, Map<String, String> headers, List<String> data, String errorBody) {}

  HttpServer server;
  final Deque<Answer> answers = new ArrayDeque<>();
  final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
  final List<String> auth = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v1/chat/completions", this::handle);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  void handle(HttpExchange ex) throws IOException {
    try (ex) {
      bodies.add(JSON.readTree(ex.getRequestBody().readAllBytes()));
      String a = ex.getRequestHeaders().getFirst("authorization");
      auth.add(a == null ? "" : a);
      Answer answer;
      synchronized (answers) {
        answer = answers.poll();
      }
      answer.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      if (answer.status() != 200) {
        byte[] b = answer.errorBody().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("content-type", "application/json");
        ex.sendResponseHeaders(answer.status(), b.length);
        ex.getResponseBody().write(b);
        return;
      }
      ex.getResponseHeaders().set("content-type", "text/event-stream");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      for (String d : answer.data()) {
        out.write(("data: " + d + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
      out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    }
  }

  static String chunk(String delta, String finish) {
    return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
        + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":"
        + delta
        + ",\"finish_reason\":"
        + (finish == null ? "null" : "\"" + finish + "\"")
        + "}]}";
  }

  static final String USAGE =
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
          + "\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":20,"
          + "\"prompt_tokens_details\":{\"cached_tokens\":64}}}";

  void enqueue(List<String> data) {
    answers.add(new Answer(200, Map.of(), data, null));
  }

  static JsonNode json(String s) {
    try {
      return JSON.readTree(s);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static ModelRequest request(String model, List<ModelMessage> messages) {
    return new ModelRequest(
        model,
        "Be brief.",
        messages,
        List.of(
            new ToolDefinition(
                "bash",
                "Run a command",
                json("{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"}}}"))),
        512,
        null);
  }

  @Test
  void toolCallsStreamAndMapBothWays() {
    enqueue(
        List.of(
            chunk("{\"role\":\"assistant\",\"content\":\"Let me \"}", null),
            chunk("{\"content\":\"check.\"}", null),
            chunk(
                "{\"tool_calls\":[{\"index\":0,\"id\":\"call_abc\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"bash\",\"arguments\":\"\"}}]}",
                null),
            chunk(
                "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"comm\"}}]}",
                null),
            chunk(
                "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"and\\\": \\\"ls\\\"}\"}}]}",
                null),
            chunk("{}", "tool_calls"),
            USAGE));
    enqueue(List.of(chunk("{\"content\":\"Two files.\"}", "stop"), USAGE));
    ModelClient router =
        ModelClients.fromEnv(Map.of("OPENAI_BASE_URL", baseUrl(), "OPENAI_API_KEY", KEY));
    List<String> deltas = new CopyOnWriteArrayList<>();
    ModelStreamListener listener =
        new ModelStreamListener() {
          @Override
          public void onTextDelta(int index, String text) {
            deltas.add(index + ":" + text);
          }
        };
    ModelRequest first =
        request("openai/gpt-4.1", List.of(ModelMessage.user(List.of(new ContentBlock.Text("hi")))));
    ModelResponse r1 = router.send(first, listener, new Cancellation());
    assertThat(deltas).containsExactly("0:Let me ", "0:check.");
    assertThat(r1.stopReason()).isEqualTo("tool_use");
    assertThat(r1.content())
        .containsExactly(
            new ContentBlock.Text("Let me check."),
            new ContentBlock.ToolUse("call_abc", "bash", json("{\"command\":\"ls\"}")));
    assertThat(r1.usage().inputTokens()).isEqualTo(36);
    assertThat(r1.usage().cacheReadInputTokens()).isEqualTo(64);
    assertThat(r1.usage().outputTokens()).isEqualTo(20);

    JsonNode body1 = bodies.get(0);
    assertThat(body1.path("model").asText()).isEqualTo("gpt-4.1");
    assertThat(body1.path("stream").asBoolean()).isTrue();
    assertThat(body1.path("stream_options").path("include_usage").asBoolean()).isTrue();
    assertThat(body1.path("messages").get(0).path("role").asText()).isEqualTo("system");
    assertThat(body1.path("messages").get(0).path("content").asText()).isEqualTo("Be brief.");
    JsonNode fn = body1.path("tools").get(0).path("function");
    assertThat(body1.path("tools").get(0).path("type").asText()).isEqualTo("function");
    assertThat(fn.path("name").asText()).isEqualTo("bash");
    assertThat(fn.path("parameters").path("properties").has("command")).isTrue();
    assertThat(auth.get(0)).isEqualTo("Bearer " + KEY);

    ModelRequest second =
        request(
            "openai/gpt-4.1",
            List.of(
                ModelMessage.user(List.of(new ContentBlock.Text("hi"))),
                ModelMessage.assistant(r1.content()),
                ModelMessage.user(
                    List.of(
                        new ContentBlock.ToolResult("call_abc", "a.txt\nb.txt", false),
                        new ContentBlock.Raw(
                            json(
                                "{\"type\":\"image\",\"source\":{\"type\":\"base64\","
                                    + "\"media_type\":\"image/png\",\"data\":\"iVBOR\"}}")),
                        new ContentBlock.Raw(json("{\"type\":\"document\",\"source\":{}}"))))));
    ModelResponse r2 = router.send(second, ModelStreamListener.NONE, new Cancellation());
    assertThat(r2.content()).containsExactly(new ContentBlock.Text("Two files."));
    assertThat(r2.stopReason()).isEqualTo("end_turn");
    JsonNode msgs = bodies.get(1).path("messages");
    assertThat(msgs).hasSize(5);
    JsonNode assistant = msgs.get(2);
    assertThat(assistant.path("role").asText()).isEqualTo("assistant");
    assertThat(assistant.path("content").asText()).isEqualTo("Let me check.");
    JsonNode call = assistant.path("tool_calls").get(0);
    assertThat(call.path("id").asText()).isEqualTo("call_abc");
    assertThat(json(call.path("function").path("arguments").asText()))
        .isEqualTo(json("{\"command\":\"ls\"}"));
    assertThat(msgs.get(3).path("role").asText()).isEqualTo("tool");
    assertThat(msgs.get(3).path("tool_call_id").asText()).isEqualTo("call_abc");
    assertThat(msgs.get(3).path("content").asText()).isEqualTo("a.txt\nb.txt");
    JsonNode parts = msgs.get(4).path("content");
    assertThat(parts.get(0).path("type").asText()).isEqualTo("image_url");
    assertThat(parts.get(0).path("image_url").path("url").asText())
        .isEqualTo("data:image/png;base64,iVBOR");
    assertThat(parts.get(1).path("type").asText()).isEqualTo("text");
    assertThat(parts.get(1).path("text").asText()).contains("document");
  }

  @Test
  void finishReasonsMap() {
    enqueue(List.of(chunk("{\"content\":\"cut\"}", "length")));
    enqueue(List.of(chunk("{\"content\":\"no\"}", "content_filter")));
    ModelClient c = ModelClients.openAiCompatible(baseUrl(), null);
    ModelRequest r = request("m", List.of(ModelMessage.user(List.of(new ContentBlock.Text("x")))));
    assertThat(c.send(r, ModelStreamListener.NONE, new Cancellation()).stopReason())
        .isEqualTo("max_tokens");
    assertThat(c.send(r, ModelStreamListener.NONE, new Cancellation()).stopReason())
        .isEqualTo("refusal");
    assertThat(auth.get(0)).isEmpty();
  }

  @Test
  void ollamaNeedsNoKeyAndUsesMaxTokens() {
    enqueue(List.of(chunk("{\"reasoning\":\"hmm\"}", null), chunk("{\"content\":\"hi\"}", "stop")));
    ModelClient router = ModelClients.fromEnv(Map.of("OLLAMA_BASE_URL", baseUrl()));
    ModelResponse r =
        router.send(
            request(
                "ollama/qwen3", List.of(ModelMessage.user(List.of(new ContentBlock.Text("x"))))),
            ModelStreamListener.NONE,
            new Cancellation());
    assertThat(r.content())
        .containsExactly(new ContentBlock.Thinking("hmm", null), new ContentBlock.Text("hi"));
    assertThat(bodies.get(0).path("model").asText()).isEqualTo("qwen3");
    assertThat(bodies.get(0).path("max_tokens").asInt()).isEqualTo(512);
  }

  @Test
  void errorsMapByStatus() {
    answers.add(
        new Answer(
            429,
            Map.of("retry-after", "2"),
            List.of(),
            "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit_exceeded\"}}"));
    answers.add(
        new Answer(
            401,
            Map.of(),
            List.of(),
            "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + "\"}}"));
    answers.add(new Answer(503, Map.of(), List.of(), "upstream down"));
    answers.add(new Answer(400, Map.of(), List.of(), "{\"error\":{\"message\":\"bad\"}}"));
    ModelClient c = ModelClients.openAiCompatible(baseUrl(), KEY);
    ModelException e429 = fail(c);
    assertThat(e429.errorType()).isEqualTo("model_rate_limited_error");
    assertThat(e429.retryable()).isTrue();
    assertThat(e429.retryAfter()).contains(java.time.Duration.ofSeconds(2));
    ModelException e401 = fail(c);
    assertThat(e401.errorType()).isEqualTo("authentication_error");
    assertThat(e401.retryable()).isFalse();
    assertThat(e401.getMessage()).doesNotContain(KEY);
    ModelException e503 = fail(c);
    assertThat(e503.errorType()).isEqualTo("model_request_failed_error");
    assertThat(e503.retryable()).isTrue();
    ModelException e400 = fail(c);
    assertThat(e400.retryable()).isFalse();
    assertThat(e400.status()).isEqualTo(400);
  }

  @Test
  void missingOpenAiKeyNamesTheVariable() {
    ModelException e =
        fail(ModelClients.fromEnv(Map.of("OPENAI_BASE_URL", baseUrl())), "openai/gpt-4.1");
    assertThat(e.errorType()).isEqualTo("authentication_error");
    assertThat(e.retryable()).isFalse();
    assertThat(e.getMessage()).contains("OPENAI_API_KEY");
    assertThat(bodies).isEmpty();
  }

  static ModelException fail(ModelClient c) {
    return fail(c, "m");
  }

  static ModelException fail(ModelClient c, String model) {
    try {
      c.send(
          request(model, List.of(ModelMessage.user(List.of(new ContentBlock.Text("x"))))),
          ModelStreamListener.NONE,
          new Cancellation());
    } catch (ModelException e) {
      return e;
    }
    throw new AssertionError("expected a ModelException");
  }
}
