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
import dev.agentry.core.ModelUsage;
import dev.agentry.core.ToolDefinition;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * OpenAI-compatible Chat Completions (OpenAI, vLLM, Ollama, llama.cpp server), streaming, over the
 * JDK {@link HttpClient} and Jackson (see docs/decisions/0005). Anthropic-shaped requests and
 * answers are translated both ways: tool calls, tool results as {@code role: tool} messages, the
 * system prompt as a {@code system} message, {@code finish_reason} onto Anthropic stop reasons.
 *
 * <p>Usage follows Anthropic's meaning: {@code input_tokens} excludes cached tokens, so it is
 * {@code prompt_tokens - prompt_tokens_details.cached_tokens}, and the cached ones are {@code
 * cache_read_input_tokens}.
 */
final class OpenAiCompatibleModelClient implements ModelClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String provider;
  private final String baseUrl;
  private final String apiKey;
  private final String keyVariable;
  private final boolean maxCompletionTokens;
  private final HttpClient http;

  /**
   * @param keyVariable the variable the key comes from, if one is required (null: no key needed)
   * @param maxCompletionTokens send {@code max_completion_tokens} (OpenAI) instead of {@code
   *     max_tokens}
   */
  OpenAiCompatibleModelClient(
      String provider,
      String baseUrl,
      String apiKey,
      String keyVariable,
      boolean maxCompletionTokens) {
    this.provider = provider;
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
    this.keyVariable = keyVariable;
    this.maxCompletionTokens = maxCompletionTokens;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30))
            .build();
  }

  @Override
  public ModelResponse send(
      ModelRequest request, ModelStreamListener listener, Cancellation cancellation) {
    if (apiKey == null && keyVariable != null) {
      throw Errors.missingKey(keyVariable, request.model());
    }
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(requestBody(request, maxCompletionTokens));
    } catch (IOException e) {
      throw new ModelException(
          "model_request_failed_error", "could not encode the request", false, 0, null);
    }
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
            .timeout(Duration.ofMinutes(10))
            .header("content-type", "application/json")
            .header("accept", "text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (apiKey != null) {
      req.header("authorization", "Bearer " + apiKey);
    }
    ModelStreamListener out = Calls.guard(listener, cancellation);
    AtomicReference<InputStream> stream = new AtomicReference<>();
    return Calls.run(
        cancellation,
        () -> exchange(req.build(), out, stream),
        () -> {
          InputStream in = stream.get();
          if (in != null) {
            try {
              in.close();
            } catch (IOException e) {
              // abandoning the stream
            }
          }
        },
        e -> {
          if (e instanceof IOException || e instanceof InterruptedException) {
            return Errors.network(provider, e, apiKey);
          }
          return new ModelException(
              "unknown_error",
              Errors.scrub(provider + " client failed: " + e, apiKey),
              false,
              0,
              null);
        });
  }

  private ModelResponse exchange(
      HttpRequest request, ModelStreamListener listener, AtomicReference<InputStream> ref)
      throws IOException, InterruptedException {
    HttpResponse<InputStream> response =
        http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = response.body()) {
      ref.set(in);
      if (response.statusCode() != 200) {
        byte[] raw = in.readNBytes(64 * 1024);
        String type = null;
        String detail = new String(raw, StandardCharsets.UTF_8);
        try {
          JsonNode err = JSON.readTree(raw).path("error");
          if (err.isObject()) {
            type = err.hasNonNull("type") ? err.get("type").asText() : null;
            detail = err.path("message").asText(detail);
          } else if (err.isTextual()) {
            detail = err.asText();
          }
        } catch (IOException e) {
          // not JSON: keep the text
        }
        throw Errors.forStatus(
            provider,
            response.statusCode(),
            type,
            detail,
            Errors.retryAfter(h -> response.headers().firstValue(h).orElse(null)),
            apiKey);
      }
      return readStream(in, listener);
    }
  }

  private ModelResponse readStream(InputStream in, ModelStreamListener listener)
      throws IOException {
    Accumulator acc = new Accumulator(listener);
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    StringBuilder data = new StringBuilder();
    String line;
    boolean done = false;
    while (!done && (line = reader.readLine()) != null) {
      if (line.isEmpty()) {
        done = dispatch(data, acc);
        data.setLength(0);
      } else if (line.startsWith("data:")) {
        if (!data.isEmpty()) {
          data.append('\n');
        }
        data.append(line.substring(line.startsWith("data: ") ? 6 : 5));
      }
      // event:, id:, retry: and comments are ignored
    }
    if (!done && !data.isEmpty()) {
      done = dispatch(data, acc);
    }
    if (!done && acc.finishReason == null) {
      throw new ModelException(
          "model_request_failed_error",
          provider + " stream ended before the answer was complete",
          true,
          0,
          null);
    }
    return acc.response();
  }

  /** Handles one SSE data payload; true at {@code [DONE]}. */
  private boolean dispatch(StringBuilder data, Accumulator acc) throws IOException {
    String payload = data.toString().trim();
    if (payload.isEmpty()) {
      return false;
    }
    if (payload.equals("[DONE]")) {
      return true;
    }
    JsonNode chunk = JSON.readTree(payload);
    if (chunk.has("error")) {
      JsonNode err = chunk.get("error");
      String message = err.isObject() ? err.path("message").asText("") : err.asText();
      String type = err.isObject() ? err.path("type").asText(null) : null;
      int status = err.path("code").isInt() ? err.path("code").asInt() : 500;
      throw Errors.forStatus(provider + " stream", status, type, message, null, apiKey);
    }
    acc.add(chunk);
    return false;
  }

  /** Builds one answer from {@code chat.completion.chunk}s. */
  private static final class Accumulator {
    private final ModelStreamListener listener;
    private int nextIndex;
    private int thinkingIndex = -1;
    private int textIndex = -1;
    private final StringBuilder thinking = new StringBuilder();
    private final StringBuilder text = new StringBuilder();
    private final Map<Integer, Call> calls = new TreeMap<>();
    private String finishReason;
    private JsonNode usage;

    Accumulator(ModelStreamListener listener) {
      this.listener = listener;
    }

    void add(JsonNode chunk) {
      if (chunk.hasNonNull("usage") && chunk.get("usage").isObject()) {
        usage = chunk.get("usage");
      }
      for (JsonNode choice : chunk.path("choices")) {
        if (choice.path("index").asInt(0) != 0) {
          continue;
        }
        JsonNode delta = choice.path("delta");
        String reasoning =
            delta.hasNonNull("reasoning_content")
                ? delta.get("reasoning_content").asText()
                : delta.hasNonNull("reasoning") ? delta.get("reasoning").asText() : null;
        if (reasoning != null && !reasoning.isEmpty()) {
          if (thinkingIndex < 0) {
            thinkingIndex = nextIndex++;
          }
          thinking.append(reasoning);
          listener.onThinkingDelta(thinkingIndex, reasoning);
        }
        if (delta.hasNonNull("content") && !delta.get("content").asText().isEmpty()) {
          String t = delta.get("content").asText();
          if (textIndex < 0) {
            textIndex = nextIndex++;
          }
          text.append(t);
          listener.onTextDelta(textIndex, t);
        }
        for (JsonNode tc : delta.path("tool_calls")) {
          int i = tc.path("index").asInt(calls.size());
          Call call = calls.computeIfAbsent(i, k -> new Call(nextIndex++));
          if (tc.hasNonNull("id") && !tc.get("id").asText().isEmpty()) {
            call.id = tc.get("id").asText();
          }
          JsonNode fn = tc.path("function");
          if (fn.hasNonNull("name") && !fn.get("name").asText().isEmpty()) {
            call.name = fn.get("name").asText();
          }
          if (fn.hasNonNull("arguments")) {
            JsonNode args = fn.get("arguments");
            call.arguments.append(args.isTextual() ? args.asText() : args.toString());
          }
        }
        if (choice.hasNonNull("finish_reason")) {
          finishReason = choice.get("finish_reason").asText();
        }
      }
    }

    ModelResponse response() {
      ContentBlock[] blocks = new ContentBlock[nextIndex];
      if (thinkingIndex >= 0) {
        blocks[thinkingIndex] = new ContentBlock.Thinking(thinking.toString(), null);
      }
      if (textIndex >= 0) {
        blocks[textIndex] = new ContentBlock.Text(text.toString());
      }
      int n = 0;
      for (Call c : calls.values()) {
        String id = c.id != null ? c.id : "call_" + n;
        blocks[c.index] = new ContentBlock.ToolUse(id, c.name, parseArguments(c.arguments));
        n++;
      }
      List<ContentBlock> content = new ArrayList<>(List.of(blocks));
      String stop =
          switch (finishReason == null ? "stop" : finishReason) {
            case "tool_calls", "function_call" -> "tool_use";
            case "length" -> "max_tokens";
            case "content_filter" -> "refusal";
            default -> calls.isEmpty() ? "end_turn" : "tool_use";
          };
      long prompt = usage == null ? 0 : usage.path("prompt_tokens").asLong(0);
      long completion = usage == null ? 0 : usage.path("completion_tokens").asLong(0);
      long cached =
          usage == null ? 0 : usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
      return new ModelResponse(
          content, stop, new ModelUsage(Math.max(0, prompt - cached), completion, cached, 0));
    }
  }

  private static final class Call {
    final int index;
    String id;
    String name = "";
    final StringBuilder arguments = new StringBuilder();

    Call(int index) {
      this.index = index;
    }
  }

  static JsonNode parseArguments(CharSequence arguments) {
    String s = arguments.toString().trim();
    if (s.isEmpty()) {
      return NODES.objectNode();
    }
    try {
      JsonNode node = JSON.readTree(s);
      if (node != null && node.isObject()) {
        return node;
      }
    } catch (IOException e) {
      // fall through
    }
    // the model produced arguments that are not a JSON object: keep them for the tool to reject
    return NODES.objectNode().put("_invalid_arguments", s);
  }

  // ------------------------------------------------------------------ request mapping

  static ObjectNode requestBody(ModelRequest request, boolean maxCompletionTokens) {
    ObjectNode body = NODES.objectNode();
    body.put("model", request.model());
    body.put(
        maxCompletionTokens ? "max_completion_tokens" : "max_tokens",
        request.maxTokens() > 0 ? request.maxTokens() : 4096);
    body.put("stream", true);
    body.putObject("stream_options").put("include_usage", true);
    ArrayNode messages = body.putArray("messages");
    if (request.system() != null && !request.system().isBlank()) {
      messages.addObject().put("role", "system").put("content", request.system());
    }
    for (ModelMessage m : request.messages()) {
      if (m.role().equals("assistant")) {
        addAssistant(messages, m);
      } else {
        addUser(messages, m);
      }
    }
    if (!request.tools().isEmpty()) {
      ArrayNode tools = body.putArray("tools");
      for (ToolDefinition t : request.tools()) {
        ObjectNode fn = tools.addObject().put("type", "function").putObject("function");
        fn.put("name", t.name());
        if (t.description() != null) {
          fn.put("description", t.description());
        }
        fn.set(
            "parameters",
            t.inputSchema() == null ? NODES.objectNode().put("type", "object") : t.inputSchema());
      }
    }
    return body;
  }

  private static void addAssistant(ArrayNode messages, ModelMessage m) {
    StringBuilder text = new StringBuilder();
    ArrayNode calls = NODES.arrayNode();
    for (ContentBlock b : m.content()) {
      switch (b) {
        case ContentBlock.Text t -> text.append(t.text());
        case ContentBlock.ToolUse u -> {
          ObjectNode call = calls.addObject();
          call.put("id", u.id());
          call.put("type", "function");
          call.putObject("function")
              .put("name", u.name())
              .put("arguments", u.input() == null ? "{}" : u.input().toString());
        }
        case ContentBlock.Raw r -> text.append(describe(r.block()));
        case ContentBlock.Thinking th -> {
          // reasoning is not sent back to Chat Completions endpoints
        }
        case ContentBlock.ToolResult r -> text.append(r.text());
      }
    }
    ObjectNode msg = messages.addObject().put("role", "assistant");
    if (text.isEmpty()) {
      msg.putNull("content");
    } else {
      msg.put("content", text.toString());
    }
    if (!calls.isEmpty()) {
      msg.set("tool_calls", calls);
    }
  }

  private static void addUser(ArrayNode messages, ModelMessage m) {
    // tool results first: they must directly follow the assistant's tool_calls
    for (ContentBlock b : m.content()) {
      if (b instanceof ContentBlock.ToolResult r) {
        String content = r.text() == null ? "" : r.text();
        messages
            .addObject()
            .put("role", "tool")
            .put("tool_call_id", r.toolUseId())
            .put("content", r.isError() ? "Error: " + content : content);
      }
    }
    ArrayNode parts = NODES.arrayNode();
    boolean image = false;
    for (ContentBlock b : m.content()) {
      switch (b) {
        case ContentBlock.Text t -> {
          if (!t.text().isEmpty()) {
            parts.addObject().put("type", "text").put("text", t.text());
          }
        }
        case ContentBlock.Raw r -> {
          String url = imageUrl(r.block());
          if (url != null) {
            image = true;
            parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
          } else {
            parts.addObject().put("type", "text").put("text", describe(r.block()));
          }
        }
        case ContentBlock.ToolUse u ->
            parts.addObject().put("type", "text").put("text", "[tool call " + u.name() + "]");
        case ContentBlock.Thinking th -> {}
        case ContentBlock.ToolResult r -> {}
      }
    }
    if (parts.isEmpty()) {
      return;
    }
    ObjectNode msg = messages.addObject().put("role", "user");
    if (image) {
      msg.set("content", parts);
    } else {
      StringBuilder text = new StringBuilder();
      for (JsonNode p : parts) {
        if (!text.isEmpty()) {
          text.append("\n\n");
        }
        text.append(p.path("text").asText());
      }
      msg.put("content", text.toString());
    }
  }

  /** A data: or http(s) URL for an Anthropic image block, or null. */
  static String imageUrl(JsonNode block) {
    if (block == null || !block.path("type").asText().equals("image")) {
      return null;
    }
    JsonNode source = block.path("source");
    return switch (source.path("type").asText()) {
      case "base64" ->
          source.hasNonNull("data")
              ? "data:"
                  + source.path("media_type").asText("image/png")
                  + ";base64,"
                  + source.get("data").asText()
              : null;
      case "url" -> source.hasNonNull("url") ? source.get("url").asText() : null;
      default -> null;
    };
  }

  private static String describe(JsonNode block) {
    String type = block == null ? "unknown" : block.path("type").asText("unknown");
    return "[" + type + " content omitted: this model endpoint does not support it]";
  }
}
