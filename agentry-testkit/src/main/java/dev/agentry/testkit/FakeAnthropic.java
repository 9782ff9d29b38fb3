package dev.agentry.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fake Anthropic Messages API on {@code 127.0.0.1} (random port), speaking the real wire format:
 * {@code POST /v1/messages} answers with a JSON message, or with the SSE event stream ({@code
 * message_start}, {@code content_block_start} / {@code content_block_delta} / {@code
 * content_block_stop}, {@code message_delta}, {@code message_stop}, with {@code ping}s) when the
 * body says {@code "stream": true}.
 *
 * <p>Tests script it with {@link #enqueue(Reply...)}; when the queue is empty the {@linkplain
 * #defaultReply(Reply) default reply} answers (an {@code end_turn} text {@code "ok"} unless
 * changed). Every request is recorded ({@link #requests()}, {@link #awaitRequests(int, Duration)}).
 *
 * <pre>{@code
 * try (var fake = FakeAnthropic.start()) {
 *   fake.enqueue(FakeAnthropic.toolUse("bash", "{\"command\":\"ls\"}"), FakeAnthropic.text("done"));
 *   fake.enqueue(FakeAnthropic.error(529, "overloaded_error").retryAfter(Duration.ofSeconds(2)));
 *   ... point a client at fake.baseUrl() ...
 * }
 * }</pre>
 */
public final class FakeAnthropic implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final HttpServer server;
  private final ExecutorService executor;
  private final Deque<Reply> queue = new ArrayDeque<>();
  private final List<RecordedRequest> requests = new ArrayList<>();
  private final AtomicLong ids = new AtomicLong();
  private Reply defaultReply = text("ok");

  private FakeAnthropic() throws IOException {
    executor = Executors.newVirtualThreadPerTaskExecutor();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Starts a fake on a random port of 127.0.0.1. */
  public static FakeAnthropic start() {
    try {
      return new FakeAnthropic();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code http://127.0.0.1:<port>}: the base URL to give a client (without {@code /v1}). */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Queues replies, answered in order, one per request. */
  public FakeAnthropic enqueue(Reply... replies) {
    synchronized (queue) {
      queue.addAll(List.of(replies));
    }
    return this;
  }

  /** The reply used when the queue is empty. */
  public FakeAnthropic defaultReply(Reply reply) {
    synchronized (queue) {
      defaultReply = reply;
    }
    return this;
  }

  /** Replies still queued. */
  public int pending() {
    synchronized (queue) {
      return queue.size();
    }
  }

  /** Every request received so far, in order. */
  public List<RecordedRequest> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** Waits until at least {@code n} requests arrived; returns them all. */
  public List<RecordedRequest> awaitRequests(int n, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (requests) {
      while (requests.size() < n) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(
              new TimeoutException(
                  "expected " + n + " requests within " + timeout + ", got " + requests.size()));
        }
        try {
          requests.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      return List.copyOf(requests);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ---------------------------------------------------------------- replies

  /** A reply with one text block, {@code end_turn}. */
  public static Reply text(String text) {
    return Reply.of(textBlock(text));
  }

  /** A reply with one {@code tool_use} block ({@code input} is a JSON object), {@code tool_use}. */
  public static Reply toolUse(String name, String inputJson) {
    return Reply.of(toolUseBlock(name, inputJson));
  }

  /** A reply with one {@code tool_use} block, {@code tool_use}. */
  public static Reply toolUse(String name, JsonNode input) {
    return Reply.of(toolUseBlock(name, input));
  }

  /** An HTTP error with Anthropic's error body: {@code {"type":"error","error":{"type":…}}}. */
  public static Reply error(int status, String errorType) {
    Reply r = new Reply(List.of());
    r.errorStatus = status;
    r.errorType = errorType;
    r.errorMessage = errorType.replace('_', ' ');
    return r;
  }

  public static Block textBlock(String text) {
    ObjectNode b = NODES.objectNode();
    b.put("type", "text");
    b.put("text", text);
    return new Block(b);
  }

  public static Block toolUseBlock(String name, String inputJson) {
    try {
      return toolUseBlock(name, JSON.readTree(inputJson));
    } catch (IOException e) {
      throw new IllegalArgumentException("tool input is not JSON: " + inputJson, e);
    }
  }

  public static Block toolUseBlock(String name, JsonNode input) {
    ObjectNode b = NODES.objectNode();
    b.put("type", "tool_use");
    b.putNull("id");
    b.put("name", name);
    b.set("input", input);
    return new Block(b);
  }

  /** A tool_use block with a fixed id (otherwise {@code toolu_fake_<n>} is generated). */
  public static Block toolUseBlock(String id, String name, JsonNode input) {
    Block b = toolUseBlock(name, input);
    b.json().put("id", id);
    return b;
  }

  public static Block thinkingBlock(String thinking, String signature) {
    ObjectNode b = NODES.objectNode();
    b.put("type", "thinking");
    b.put("thinking", thinking);
    b.put("signature", signature);
    return new Block(b);
  }

  /** One content block of a reply, in the Messages API's JSON form. */
  public record Block(ObjectNode json) {
    public String type() {
      return json.path("type").asText();
    }
  }

  /** What the fake answers to one request. Mutable builder; don't reuse across fakes. */
  public static final class Reply {
    private final List<Block> blocks;
    private String stopReason;
    private long inputTokens = 10;
    private long outputTokens = 5;
    private long cacheRead;
    private long cacheCreation;
    private Duration delay = Duration.ZERO;
    private Duration chunkDelay = Duration.ZERO;
    private int chunkSize = 4;
    private int errorStatus;
    private String errorType;
    private String errorMessage;
    private Duration retryAfter;
    private boolean midStream;

    private Reply(List<Block> blocks) {
      this.blocks = List.copyOf(blocks);
    }

    public static Reply of(Block... blocks) {
      return new Reply(List.of(blocks));
    }

    /** Defaults to {@code tool_use} when a block is a tool call, else {@code end_turn}. */
    public Reply stopReason(String stopReason) {
      this.stopReason = stopReason;
      return this;
    }

    public Reply usage(long input, long output) {
      this.inputTokens = input;
      this.outputTokens = output;
      return this;
    }

    public Reply cacheUsage(long read, long creation) {
      this.cacheRead = read;
      this.cacheCreation = creation;
      return this;
    }

    /** Waits this long before sending the first byte. */
    public Reply delay(Duration delay) {
      this.delay = delay;
      return this;
    }

    /** Waits this long between SSE events (streaming only). */
    public Reply chunkDelay(Duration chunkDelay) {
      this.chunkDelay = chunkDelay;
      return this;
    }

    /** Characters per {@code text_delta}/{@code thinking_delta} (default 4). */
    public Reply chunkSize(int chunkSize) {
      this.chunkSize = Math.max(1, chunkSize);
      return this;
    }

    /** For an error reply: sends {@code retry-after} (seconds) and {@code retry-after-ms}. */
    public Reply retryAfter(Duration retryAfter) {
      this.retryAfter = retryAfter;
      return this;
    }

    public Reply message(String message) {
      this.errorMessage = message;
      return this;
    }

    /**
     * For an error reply to a streaming request: answer 200, start the message, then send the error
     * as an {@code event: error} inside the stream, as Anthropic does when overloaded mid-stream.
     */
    public Reply midStream() {
      this.midStream = true;
      return this;
    }

    boolean isError() {
      return errorStatus != 0;
    }

    String effectiveStopReason() {
      if (stopReason != null) {
        return stopReason;
      }
      return blocks.stream().anyMatch(b -> b.type().equals("tool_use")) ? "tool_use" : "end_turn";
    }
  }

  /** One request as received: method, path, headers (lower-cased names) and the parsed body. */
  public record RecordedRequest(
      String method, String path, Map<String, List<String>> headers, JsonNode body) {
    /** The first value of a header, or null. */
    public String header(String name) {
      List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
      return v == null || v.isEmpty() ? null : v.get(0);
    }
  }

  // ---------------------------------------------------------------- serving

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] raw = ex.getRequestBody().readAllBytes();
      JsonNode body;
      try {
        body = raw.length == 0 ? NODES.nullNode() : JSON.readTree(raw);
      } catch (IOException e) {
        body = NODES.textNode(new String(raw, StandardCharsets.UTF_8));
      }
      Map<String, List<String>> headers = new LinkedHashMap<>();
      ex.getRequestHeaders()
          .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
      synchronized (requests) {
        requests.add(
            new RecordedRequest(
                ex.getRequestMethod(), ex.getRequestURI().getPath(), Map.copyOf(headers), body));
        requests.notifyAll();
      }
      if (!ex.getRequestMethod().equals("POST")
          || !ex.getRequestURI().getPath().equals("/v1/messages")) {
        sendError(ex, 404, "not_found_error", "no route " + ex.getRequestURI().getPath(), null);
        return;
      }
      Reply reply;
      synchronized (queue) {
        reply = queue.isEmpty() ? defaultReply : queue.poll();
      }
      sleep(reply.delay);
      boolean stream = body.path("stream").asBoolean(false);
      String model = body.path("model").asText("claude-fake");
      if (reply.isError() && !(stream && reply.midStream)) {
        sendError(ex, reply.errorStatus, reply.errorType, reply.errorMessage, reply.retryAfter);
      } else if (stream) {
        stream(ex, reply, model);
      } else {
        ObjectNode message = message(reply, model, true);
        send(ex, 200, "application/json", JSON.writeValueAsBytes(message));
      }
    } catch (IOException | RuntimeException e) {
      // the client went away (e.g. a cancelled stream): nothing to do
    }
  }

  private ObjectNode message(Reply reply, String model, boolean complete) {
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

  private void stream(HttpExchange ex, Reply reply, String model) throws IOException {
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

  private void sendError(
      HttpExchange ex, int status, String type, String message, Duration retryAfter)
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

  private static void send(HttpExchange ex, int status, String contentType, byte[] bytes)
      throws IOException {
    ex.getResponseHeaders().set("content-type", contentType);
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  private static void sleep(Duration d) {
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
