package dev.agentry.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
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
      body = JSON.writeValueAsBytes(ChatCompletionRequest.body(request, maxCompletionTokens));
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
    ChatCompletionAnswer acc = new ChatCompletionAnswer(listener);
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
    if (!done && !acc.finished()) {
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
  private boolean dispatch(StringBuilder data, ChatCompletionAnswer acc) throws IOException {
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
}
