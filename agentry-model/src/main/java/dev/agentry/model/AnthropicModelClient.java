package dev.agentry.model;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.ObjectMappers;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.AnthropicRetryableException;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.SseException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
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
import dev.agentry.core.ModelUsage;
import dev.agentry.core.ToolDefinition;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Anthropic's Messages API through the official SDK, always streaming. SDK retries are off: the
 * harness owns retries. Prompt caching puts {@code cache_control: ephemeral} on the last tool, the
 * system prompt and the last block of the last user message.
 */
final class AnthropicModelClient implements ModelClient {
  static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String PROVIDER = "Anthropic API";

  private final String baseUrl;
  private final String apiKey;
  private volatile AnthropicClient client;

  AnthropicModelClient(String baseUrl, String apiKey) {
    this.baseUrl = baseUrl == null || baseUrl.isBlank() ? DEFAULT_BASE_URL : stripSlash(baseUrl);
    this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
  }

  private AnthropicClient client() {
    AnthropicClient c = client;
    if (c == null) {
      synchronized (this) {
        c = client;
        if (c == null) {
          c =
              AnthropicOkHttpClient.builder()
                  .baseUrl(baseUrl)
                  .apiKey(apiKey)
                  .maxRetries(0)
                  .timeout(Duration.ofMinutes(10))
                  .build();
          client = c;
        }
      }
    }
    return c;
  }

  @Override
  public ModelResponse send(
      ModelRequest request, ModelStreamListener listener, Cancellation cancellation) {
    if (apiKey == null) {
      throw Errors.missingKey("ANTHROPIC_API_KEY", request.model());
    }
    MessageCreateParams params;
    try {
      params =
          MessageCreateParams.builder()
              .body(
                  ObjectMappers.jsonMapper()
                      .convertValue(requestBody(request), MessageCreateParams.Body.class))
              .build();
    } catch (RuntimeException e) {
      throw new ModelException(
          "model_request_failed_error",
          "could not build the Anthropic request: "
              + Errors.truncate(String.valueOf(e.getMessage()), 300),
          false,
          0,
          null);
    }
    ModelStreamListener out = Calls.guard(listener, cancellation);
    AtomicReference<StreamResponse<RawMessageStreamEvent>> stream = new AtomicReference<>();
    return Calls.run(
        cancellation,
        () -> stream(params, out, stream, cancellation),
        () -> {
          StreamResponse<RawMessageStreamEvent> s = stream.get();
          if (s != null) {
            s.close();
          }
        },
        this::mapError);
  }

  private ModelResponse stream(
      MessageCreateParams params,
      ModelStreamListener listener,
      AtomicReference<StreamResponse<RawMessageStreamEvent>> ref,
      Cancellation cancellation) {
    try (StreamResponse<RawMessageStreamEvent> s = client().messages().createStreaming(params)) {
      ref.set(s);
      if (cancellation.isCancelled()) {
        throw new ModelException.Cancelled();
      }
      MessageAccumulator acc = MessageAccumulator.create();
      s.stream()
          .forEach(
              event -> {
                acc.accumulate(event);
                event
                    .contentBlockDelta()
                    .ifPresent(
                        d -> {
                          int index = (int) d.index();
                          d.delta().text().ifPresent(t -> listener.onTextDelta(index, t.text()));
                          d.delta()
                              .thinking()
                              .ifPresent(t -> listener.onThinkingDelta(index, t.thinking()));
                        });
              });
      Message message;
      try {
        message = acc.message();
      } catch (IllegalStateException e) {
        throw new ModelException(
            "model_request_failed_error",
            "the Anthropic stream ended before message_stop",
            true,
            0,
            null);
      }
      return toResponse(ObjectMappers.jsonMapper().valueToTree(message));
    }
  }

  private ModelException mapError(Throwable e) {
    if (e instanceof SseException sse) {
      String type = sse.type().map(Object::toString).orElse(null);
      return Errors.forStatus(
          PROVIDER + " stream",
          Errors.statusForAnthropicType(type),
          type,
          sse.apiMessage().orElse(null),
          Errors.retryAfter(h -> first(sse, h)),
          apiKey);
    }
    if (e instanceof AnthropicServiceException se) {
      return Errors.forStatus(
          PROVIDER,
          se.statusCode(),
          se.type().map(Object::toString).orElse(null),
          se.apiMessage().orElse(null),
          Errors.retryAfter(h -> first(se, h)),
          apiKey);
    }
    if (e instanceof AnthropicIoException
        || e instanceof AnthropicRetryableException
        || e instanceof IOException
        || e instanceof InterruptedIOException) {
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

  private static String first(AnthropicServiceException e, String header) {
    List<String> v = e.headers().values(header);
    return v.isEmpty() ? null : v.get(0);
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

  // ------------------------------------------------------------------ response mapping

  static ModelResponse toResponse(JsonNode message) {
    List<ContentBlock> content = new ArrayList<>();
    for (JsonNode b : message.path("content")) {
      String type = b.path("type").asText();
      switch (type) {
        case "text" -> content.add(new ContentBlock.Text(b.path("text").asText()));
        case "tool_use" ->
            content.add(
                new ContentBlock.ToolUse(
                    b.path("id").asText(),
                    b.path("name").asText(),
                    b.path("input").isObject() ? b.get("input") : NODES.objectNode()));
        case "thinking" ->
            content.add(
                new ContentBlock.Thinking(
                    b.path("thinking").asText(),
                    b.hasNonNull("signature") ? b.get("signature").asText() : null));
        default -> content.add(new ContentBlock.Raw(b));
      }
    }
    JsonNode u = message.path("usage");
    ModelUsage usage =
        new ModelUsage(
            u.path("input_tokens").asLong(0),
            u.path("output_tokens").asLong(0),
            u.path("cache_read_input_tokens").asLong(0),
            u.path("cache_creation_input_tokens").asLong(0));
    String stop =
        message.hasNonNull("stop_reason") ? message.get("stop_reason").asText() : "end_turn";
    return new ModelResponse(content, stop, usage);
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
