package dev.agentry.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
import dev.agentry.core.ModelUsage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import okio.BufferedSource;

/**
 * Reads one Messages API event stream ({@code message_start}, {@code content_block_start} / {@code
 * _delta} / {@code _stop}, {@code message_delta}, {@code message_stop}, {@code ping}, {@code
 * error}) into a {@link ModelResponse}, forwarding text and thinking deltas as they arrive. Event
 * types it does not know are skipped, as the API asks of clients.
 */
final class AnthropicStream {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String PROVIDER = "Anthropic API stream";

  private final ModelStreamListener listener;
  private final String secret;
  private final TreeMap<Integer, Block> blocks = new TreeMap<>();
  private long inputTokens;
  private long outputTokens;
  private long cacheRead;
  private long cacheCreation;
  private String stopReason;
  private boolean stopped;

  private AnthropicStream(ModelStreamListener listener, String secret) {
    this.listener = listener;
    this.secret = secret;
  }

  /**
   * The response {@code source} streams; {@code secret} (the API key) is scrubbed from errors.
   *
   * @throws ModelException for an {@code error} event, or a stream cut before {@code message_stop}
   */
  static ModelResponse read(BufferedSource source, ModelStreamListener listener, String secret)
      throws IOException {
    AnthropicStream stream = new AnthropicStream(listener, secret);
    StringBuilder data = new StringBuilder();
    String line;
    while (!stream.stopped && (line = source.readUtf8Line()) != null) {
      if (line.isEmpty()) {
        stream.dispatch(data);
      } else if (line.startsWith("data:")) {
        if (!data.isEmpty()) {
          data.append('\n');
        }
        data.append(line, line.startsWith("data: ") ? 6 : 5, line.length());
      }
      // "event:" repeats the data's own "type"; comments and other fields carry nothing.
    }
    stream.dispatch(data);
    if (!stream.stopped) {
      throw new ModelException(
          "model_request_failed_error",
          "the Anthropic stream ended before message_stop",
          true,
          0,
          null);
    }
    return stream.response();
  }

  private void dispatch(StringBuilder data) throws IOException {
    if (data.isEmpty()) {
      return;
    }
    JsonNode event = JSON.readTree(data.toString());
    data.setLength(0);
    switch (event.path("type").asText()) {
      case "message_start" -> {
        JsonNode message = event.path("message");
        usage(message.path("usage"));
        if (message.hasNonNull("stop_reason")) {
          stopReason = message.get("stop_reason").asText();
        }
      }
      case "content_block_start" -> {
        JsonNode block = event.path("content_block");
        blocks.put(
            event.path("index").asInt(),
            new Block(block.isObject() ? (ObjectNode) block : NODES.objectNode()));
      }
      case "content_block_delta" -> delta(event.path("index").asInt(), event.path("delta"));
      case "message_delta" -> {
        JsonNode delta = event.path("delta");
        if (delta.hasNonNull("stop_reason")) {
          stopReason = delta.get("stop_reason").asText();
        }
        usage(event.path("usage"));
      }
      case "message_stop" -> stopped = true;
      case "error" -> {
        JsonNode error = event.path("error");
        String type = error.hasNonNull("type") ? error.get("type").asText() : null;
        throw Errors.forStatus(
            PROVIDER,
            Errors.statusForAnthropicType(type),
            type,
            error.hasNonNull("message") ? error.get("message").asText() : null,
            null,
            secret);
      }
      default -> {
        // ping, content_block_stop, and types added after this client was written
      }
    }
  }

  private void delta(int index, JsonNode delta) {
    Block block = blocks.computeIfAbsent(index, i -> new Block(NODES.objectNode()));
    switch (delta.path("type").asText()) {
      case "text_delta" -> {
        String text = delta.path("text").asText();
        block.text.append(text);
        listener.onTextDelta(index, text);
      }
      case "thinking_delta" -> {
        String thinking = delta.path("thinking").asText();
        block.thinking.append(thinking);
        listener.onThinkingDelta(index, thinking);
      }
      case "signature_delta" -> block.signature = delta.path("signature").asText();
      case "input_json_delta" -> block.input.append(delta.path("partial_json").asText());
      case "citations_delta" -> {
        if (delta.has("citation")) {
          JsonNode citations = block.json.get("citations");
          (citations instanceof com.fasterxml.jackson.databind.node.ArrayNode a
                  ? a
                  : block.json.putArray("citations"))
              .add(delta.get("citation"));
        }
      }
      default -> {
        // a delta type added after this client was written: nothing to accumulate
      }
    }
  }

  /** Usage fields present in {@code usage} replace what is known (message_delta's are final). */
  private void usage(JsonNode usage) {
    if (usage.hasNonNull("input_tokens")) {
      inputTokens = usage.get("input_tokens").asLong();
    }
    if (usage.hasNonNull("output_tokens")) {
      outputTokens = usage.get("output_tokens").asLong();
    }
    if (usage.hasNonNull("cache_read_input_tokens")) {
      cacheRead = usage.get("cache_read_input_tokens").asLong();
    }
    if (usage.hasNonNull("cache_creation_input_tokens")) {
      cacheCreation = usage.get("cache_creation_input_tokens").asLong();
    }
  }

  private ModelResponse response() throws IOException {
    List<ContentBlock> content = new ArrayList<>(blocks.size());
    for (Block b : blocks.values()) {
      content.add(b.toContent());
    }
    return new ModelResponse(
        content,
        stopReason == null ? "end_turn" : stopReason,
        new ModelUsage(inputTokens, outputTokens, cacheRead, cacheCreation));
  }

  /** One content block as it streams: its start JSON and what the deltas added. */
  private static final class Block {
    final ObjectNode json;
    final StringBuilder text = new StringBuilder();
    final StringBuilder thinking = new StringBuilder();
    final StringBuilder input = new StringBuilder();
    String signature;

    Block(ObjectNode json) {
      this.json = json;
    }

    ContentBlock toContent() throws IOException {
      String type = json.path("type").asText();
      JsonNode parsedInput = input.isEmpty() ? json.get("input") : JSON.readTree(input.toString());
      return switch (type) {
        case "text" -> new ContentBlock.Text(json.path("text").asText() + text);
        case "thinking" ->
            new ContentBlock.Thinking(
                json.path("thinking").asText() + thinking,
                signature != null
                    ? signature
                    : json.hasNonNull("signature") ? json.get("signature").asText() : null);
        case "tool_use" ->
            new ContentBlock.ToolUse(
                json.path("id").asText(),
                json.path("name").asText(),
                parsedInput != null && parsedInput.isObject() ? parsedInput : NODES.objectNode());
        default -> {
          // server tool calls and results, redacted thinking: passed back as the API sent them
          if (!input.isEmpty()) {
            json.set("input", parsedInput);
          }
          yield new ContentBlock.Raw(json);
        }
      };
    }
  }
}
