package dev.agentry.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.agentry.testkit.FakeAnthropic.Block;
import dev.agentry.testkit.FakeAnthropic.Reply;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@link FakeAnthropic} writes: a {@link Reply} as a Messages API message, as its SSE event
 * stream, or as an error in Anthropic's envelope. Ids ({@code msg_fake_…}, {@code toolu_fake_…},
 * {@code req_fake_…}) count up per fake.
 */
final class FakeAnthropicWire {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final AtomicLong ids = new AtomicLong();

  ObjectNode message(Reply reply, String model, boolean complete) {
    ObjectNode m = NODES.objectNode();
    m.put("id", "msg_fake_" + ids.incrementAndGet());
    m.put("type", "message");
    m.put("role", "assistant");
    m.put("model", model);
    ArrayNode content = m.putArray("content");
    if (complete) {
      for (Block b : reply.blocks) {
        content.add(withId(b));
      }
      m.put("stop_reason", reply.effectiveStopReason());
    } else {
      m.putNull("stop_reason");
    }
    m.putNull("stop_sequence");
    ObjectNode usage = m.putObject("usage");
    usage.put("input_tokens", reply.inputTokens);
    usage.put("output_tokens", complete ? reply.outputTokens : 1);
    usage.put("cache_read_input_tokens", reply.cacheRead);
    usage.put("cache_creation_input_tokens", reply.cacheCreation);
    return m;
  }

  private ObjectNode withId(Block b) {
    ObjectNode copy = b.json().deepCopy();
    if (b.type().equals("tool_use") && copy.path("id").isNull()) {
      copy.put("id", "toolu_fake_" + ids.incrementAndGet());
    }
    return copy;
  }

  void stream(HttpExchange ex, Reply reply, String model) throws IOException {
    ex.getResponseHeaders().set("content-type", "text/event-stream; charset=utf-8");
    ex.getResponseHeaders().set("cache-control", "no-cache");
    ex.getResponseHeaders().set("request-id", "req_fake_" + ids.incrementAndGet());
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    Sse sse = new Sse(out, reply.chunkDelay);
    ObjectNode start = NODES.objectNode();
    start.put("type", "message_start");
    start.set("message", message(reply, model, false));
    sse.event("message_start", start);
    sse.event("ping", NODES.objectNode().put("type", "ping"));
    if (reply.isError()) {
      sse.event("error", errorBody(reply.errorType, reply.errorMessage));
      return;
    }
    int index = 0;
    for (Block block : reply.blocks) {
      ObjectNode full = withId(block);
      ObjectNode startBlock = full.deepCopy();
      List<ObjectNode> deltas = new ArrayList<>();
      switch (block.type()) {
        case "text" -> {
          startBlock.put("text", "");
          for (String part : split(full.path("text").asText(), reply.chunkSize)) {
            deltas.add(NODES.objectNode().put("type", "text_delta").put("text", part));
          }
        }
        case "thinking" -> {
          startBlock.put("thinking", "");
          startBlock.put("signature", "");
          for (String part : split(full.path("thinking").asText(), reply.chunkSize)) {
            deltas.add(NODES.objectNode().put("type", "thinking_delta").put("thinking", part));
          }
          deltas.add(
              NODES
                  .objectNode()
                  .put("type", "signature_delta")
                  .put("signature", full.path("signature").asText()));
        }
        case "tool_use" -> {
          startBlock.set("input", NODES.objectNode());
          String json = JSON.writeValueAsString(full.path("input"));
          int parts = Math.max(3, json.length() / 8 + 1);
          for (String part : splitInto(json, parts)) {
            deltas.add(
                NODES.objectNode().put("type", "input_json_delta").put("partial_json", part));
          }
        }
        default -> {}
      }
      ObjectNode cbStart = NODES.objectNode();
      cbStart.put("type", "content_block_start");
      cbStart.put("index", index);
      cbStart.set("content_block", startBlock);
      sse.event("content_block_start", cbStart);
      for (ObjectNode d : deltas) {
        ObjectNode delta = NODES.objectNode();
        delta.put("type", "content_block_delta");
        delta.put("index", index);
        delta.set("delta", d);
        sse.event("content_block_delta", delta);
      }
      sse.event(
          "content_block_stop",
          NODES.objectNode().put("type", "content_block_stop").put("index", index));
      index++;
    }
    ObjectNode md = NODES.objectNode();
    md.put("type", "message_delta");
    ObjectNode delta = md.putObject("delta");
    delta.put("stop_reason", reply.effectiveStopReason());
    delta.putNull("stop_sequence");
    md.putObject("usage").put("output_tokens", reply.outputTokens);
    sse.event("message_delta", md);
    sse.event("message_stop", NODES.objectNode().put("type", "message_stop"));
  }

  private static final class Sse {
    private final OutputStream out;
    private final Duration gap;
    private boolean first = true;

    Sse(OutputStream out, Duration gap) {
      this.out = out;
      this.gap = gap;
    }

    void event(String name, JsonNode data) throws IOException {
      if (!first) {
        sleep(gap);
      }
      first = false;
      String text = "event: " + name + "\ndata: " + JSON.writeValueAsString(data) + "\n\n";
      out.write(text.getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
  }

  private static List<String> split(String s, int size) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < s.length(); i += size) {
      parts.add(s.substring(i, Math.min(s.length(), i + size)));
    }
    if (parts.isEmpty()) {
      parts.add("");
    }
    return parts;
  }

  private static List<String> splitInto(String s, int parts) {
    int size = Math.max(1, (s.length() + parts - 1) / parts);
    return split(s, size);
  }

  private static ObjectNode errorBody(String type, String message) {
    ObjectNode body = NODES.objectNode();
    body.put("type", "error");
    ObjectNode err = body.putObject("error");
    err.put("type", type);
    err.put("message", message);
    return body;
  }

  void sendError(HttpExchange ex, int status, String type, String message, Duration retryAfter)
      throws IOException {
    if (retryAfter != null) {
      long ms = retryAfter.toMillis();
      ex.getResponseHeaders().set("retry-after", Long.toString((ms + 999) / 1000));
      ex.getResponseHeaders().set("retry-after-ms", Long.toString(ms));
    }
    ex.getResponseHeaders().set("request-id", "req_fake_" + ids.incrementAndGet());
    if (type.equals("overloaded_error") || status >= 500) {
      ex.getResponseHeaders().set("x-should-retry", "true");
    }
    ObjectNode body = errorBody(type, message);
    body.put("request_id", ex.getResponseHeaders().getFirst("request-id"));
    send(ex, status, "application/json", JSON.writeValueAsBytes(body));
  }

  static void send(HttpExchange ex, int status, String contentType, byte[] bytes)
      throws IOException {
    ex.getResponseHeaders().set("content-type", contentType);
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  static void sleep(Duration d) {
    if (d.isZero() || d.isNegative()) {
      return;
    }
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
