package dev.agentry.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import javax.net.SocketFactory;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Anthropic's Messages API, always streaming: the request is the JSON the API documents, posted
 * with OkHttp over sockets with {@code TCP_NODELAY}, and the event stream is read by {@link
 * AnthropicStream}. Not through the official SDK's typed layer: it cost several milliseconds a
 * request in reflection and exceptions (docs/decisions/0026). The harness owns retries, so there
 * are none here. Prompt caching puts {@code cache_control: ephemeral} on the last tool, the system
 * prompt and the last block of the last user message.
 */
final class AnthropicModelClient implements ModelClient {
  static final String DEFAULT_BASE_URL = "https://api.anthropic.com";

  /** The API version the official Java SDK this project tests against (3.13) sends. */
  static final String API_VERSION = "2026-10-21";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final String PROVIDER = "Anthropic API";

  private final String baseUrl;
  private final String apiKey;
  private final OkHttpClient http;

  /**
   * The Messages URL parsed once (OkHttp parses a string URL on every request); null if invalid.
   */
  private final HttpUrl messages;

  AnthropicModelClient(String baseUrl, String apiKey) {
    this.baseUrl = baseUrl == null || baseUrl.isBlank() ? DEFAULT_BASE_URL : stripSlash(baseUrl);
    this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
    this.messages =
        HttpUrl.parse(this.baseUrl + "/v1/messages"); // an invalid one fails per request
    this.http =
        new OkHttpClient.Builder()
            .socketFactory(new NoDelaySockets())
            .connectTimeout(Duration.ofSeconds(30))
            .readTimeout(Duration.ofMinutes(10))
            .writeTimeout(Duration.ofMinutes(10))
            .build();
  }

  @Override
  public ModelResponse send(
      ModelRequest request, ModelStreamListener listener, Cancellation cancellation) {
    if (apiKey == null) {
      throw Errors.missingKey("ANTHROPIC_API_KEY", request.model());
    }
    byte[] body;
    try {
      ObjectNode json = requestBody(request);
      json.put("stream", true);
      body = JSON.writeValueAsBytes(json);
    } catch (IOException | RuntimeException e) {
      throw new ModelException(
          "model_request_failed_error",
          "could not build the Anthropic request: "
              + Errors.truncate(String.valueOf(e.getMessage()), 300),
          false,
          0,
          null);
    }
    Call call =
        http.newCall(
            (messages != null
                    ? new Request.Builder().url(messages)
                    : new Request.Builder().url(baseUrl + "/v1/messages"))
                .post(RequestBody.create(body, JSON_TYPE))
                .header("authorization", "Bearer " + apiKey)
                .header("anthropic-version", API_VERSION)
                .header("accept", "text/event-stream")
                .header("user-agent", "agentry")
                .build());
    ModelStreamListener out = Calls.guard(listener, cancellation);
    return Calls.runHere(cancellation, () -> stream(call, out), call::cancel, this::mapError);
  }

  private ModelResponse stream(Call call, ModelStreamListener listener) throws IOException {
    try (Response response = call.execute()) {
      ResponseBody body = response.body();
      if (!response.isSuccessful() || body == null) {
        throw httpError(response, body == null ? "" : body.string());
      }
      return AnthropicStream.read(body.source(), listener, apiKey);
    }
  }

  /** An error status, with the type and message of Anthropic's error body when it has one. */
  private ModelException httpError(Response response, String text) {
    String type = null;
    String message = text;
    try {
      JsonNode error = JSON.readTree(text).path("error");
      if (error.isObject()) {
        type = error.hasNonNull("type") ? error.get("type").asText() : null;
        message = error.hasNonNull("message") ? error.get("message").asText() : null;
      }
    } catch (IOException | RuntimeException e) {
      // not JSON: the body is the detail
    }
    return Errors.forStatus(
        PROVIDER, response.code(), type, message, Errors.retryAfter(response::header), apiKey);
  }

  private ModelException mapError(Throwable e) {
    if (e instanceof IOException) {
      return Errors.network(PROVIDER, e, apiKey);
    }
    return new ModelException(
        "unknown_error",
        Errors.scrub(
            "Anthropic client failed: " + e.getClass().getSimpleName() + ": " + e.getMessage(),
            apiKey),
        false,
        0,
        null);
  }

  /**
   * Plain sockets with Nagle's algorithm off. OkHttp leaves it on, and writes a request body over 8
   * KiB in two writes: the second then waits for the ACK of the first, which the server delays by
   * up to 40 ms because it has no answer to send yet. curl, and the API's own edge, turn it off.
   */
  private static final class NoDelaySockets extends SocketFactory {
    private static Socket noDelay(Socket s) throws IOException {
      s.setTcpNoDelay(true);
      return s;
    }

    @Override
    public Socket createSocket() throws IOException {
      return noDelay(new Socket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return noDelay(new Socket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress local, int localPort)
        throws IOException {
      return noDelay(new Socket(host, port, local, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return noDelay(new Socket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort)
        throws IOException {
      return noDelay(new Socket(host, port, local, localPort));
    }
  }

  // ------------------------------------------------------------------ request mapping

  static ObjectNode requestBody(ModelRequest request) {
    ObjectNode body = NODES.objectNode();
    body.put("model", request.model());
    body.put("max_tokens", request.maxTokens() > 0 ? request.maxTokens() : 4096);
    if (request.system() != null && !request.system().isBlank()) {
      ArrayNode system = body.putArray("system");
      ObjectNode block = system.addObject();
      block.put("type", "text");
      block.put("text", request.system());
      block.set("cache_control", ephemeral());
    }
    if (!request.tools().isEmpty()) {
      ArrayNode tools = body.putArray("tools");
      for (ToolDefinition t : request.tools()) {
        ObjectNode tool = tools.addObject();
        tool.put("name", t.name());
        if (t.description() != null) {
          tool.put("description", t.description());
        }
        tool.set(
            "input_schema",
            t.inputSchema() == null
                ? NODES.objectNode().put("type", "object")
                : t.inputSchema().deepCopy());
      }
      ((ObjectNode) tools.get(tools.size() - 1)).set("cache_control", ephemeral());
    }
    // "high" is the API's own default, and models without effort control reject the field: send
    // it only when the agent asked for something else.
    if (request.effort() != null
        && !request.effort().isBlank()
        && !request.effort().equals("high")) {
      body.putObject("output_config").put("effort", request.effort());
    }
    ArrayNode messages = body.putArray("messages");
    int lastUser = -1;
    for (int i = 0; i < request.messages().size(); i++) {
      if (request.messages().get(i).role().equals("user")) {
        lastUser = i;
      }
    }
    for (int i = 0; i < request.messages().size(); i++) {
      ModelMessage m = request.messages().get(i);
      ObjectNode msg = messages.addObject();
      msg.put("role", m.role());
      ArrayNode content = msg.putArray("content");
      for (ContentBlock b : m.content()) {
        JsonNode block = toBlock(b);
        if (block != null) {
          content.add(block);
        }
      }
      if (i == lastUser && !content.isEmpty()) {
        JsonNode last = content.get(content.size() - 1);
        if (last instanceof ObjectNode o && !o.path("type").asText().contains("thinking")) {
          o.set("cache_control", ephemeral());
        }
      }
    }
    return body;
  }

  private static JsonNode toBlock(ContentBlock b) {
    return switch (b) {
      case ContentBlock.Text t -> {
        if (t.text() == null || t.text().isEmpty()) {
          yield null;
        }
        yield NODES.objectNode().put("type", "text").put("text", t.text());
      }
      case ContentBlock.ToolUse u -> {
        ObjectNode o = NODES.objectNode();
        o.put("type", "tool_use");
        o.put("id", u.id());
        o.put("name", u.name());
        o.set("input", u.input() == null ? NODES.objectNode() : u.input().deepCopy());
        yield o;
      }
      case ContentBlock.ToolResult r -> {
        ObjectNode o = NODES.objectNode();
        o.put("type", "tool_result");
        o.put("tool_use_id", r.toolUseId());
        o.put("content", r.text() == null ? "" : r.text());
        if (r.isError()) {
          o.put("is_error", true);
        }
        yield o;
      }
      case ContentBlock.Thinking th -> {
        // Anthropic only accepts thinking it signed; unsigned thinking (another provider's) is
        // dropped.
        if (th.signature() == null || th.signature().isEmpty()) {
          yield null;
        }
        yield NODES
            .objectNode()
            .put("type", "thinking")
            .put("thinking", th.thinking())
            .put("signature", th.signature());
      }
      case ContentBlock.Raw raw -> raw.block() == null ? null : raw.block().deepCopy();
    };
  }

  private static ObjectNode ephemeral() {
    return NODES.objectNode().put("type", "ephemeral");
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
