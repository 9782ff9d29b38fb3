package dev.agentry.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
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
import java.util.function.Predicate;

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
  static {
    // The JDK's HttpServer leaves Nagle's algorithm on: each SSE event after the first then waits
    // for the client's delayed ACK (~40 ms), which no real API edge does, and every client of the
    // fake would be timed with that stall. Read once, when the JVM's first HttpServer starts.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final HttpServer server;
  private final ExecutorService executor;
  private final Deque<Reply> queue = new ArrayDeque<>();

  /** Replies kept for the requests a predicate accepts (guarded by {@link #queue}). */
  private final List<Route> routes = new ArrayList<>();

  private record Route(Predicate<RecordedRequest> when, Deque<Reply> replies) {}

  private final List<RecordedRequest> requests = new ArrayList<>();
  private final FakeAnthropicWire wire = new FakeAnthropicWire();
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

  /**
   * Queues replies for the requests that {@code when} accepts, answered in order, one per such
   * request, before the general queue: requests that arrive concurrently (the threads of a
   * multi-agent session) each get their own script, whichever comes first.
   */
  public FakeAnthropic enqueueFor(Predicate<RecordedRequest> when, Reply... replies) {
    synchronized (queue) {
      routes.add(new Route(when, new ArrayDeque<>(List.of(replies))));
    }
    return this;
  }

  /**
   * Queues replies, in order, for the requests whose {@code system} prompt contains {@code marker}:
   * each agent of a multi-agent session gets its own script, whatever order its threads ask in.
   */
  public FakeAnthropic enqueueFor(String marker, Reply... replies) {
    return enqueueFor(r -> r.body().path("system").toString().contains(marker), replies);
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
      return queue.size() + routes.stream().mapToInt(r -> r.replies().size()).sum();
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
    final List<Block> blocks;
    String stopReason;
    long inputTokens = 10;
    long outputTokens = 5;
    long cacheRead;
    long cacheCreation;
    Duration delay = Duration.ZERO;
    Duration chunkDelay = Duration.ZERO;
    int chunkSize = 4;
    int errorStatus;
    String errorType;
    String errorMessage;
    Duration retryAfter;
    boolean midStream;

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

  /**
   * One request as received: method, path, headers (lower-cased names), the parsed body, and when
   * it arrived (its reply's {@link Reply#delay} starts then).
   */
  public record RecordedRequest(
      String method,
      String path,
      Map<String, List<String>> headers,
      JsonNode body,
      Instant receivedAt) {
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
      RecordedRequest request =
          new RecordedRequest(
              ex.getRequestMethod(),
              ex.getRequestURI().getPath(),
              Map.copyOf(headers),
              body,
              Instant.now());
      synchronized (requests) {
        requests.add(request);
        requests.notifyAll();
      }
      if (!ex.getRequestMethod().equals("POST")
          || !ex.getRequestURI().getPath().equals("/v1/messages")) {
        wire.sendError(
            ex, 404, "not_found_error", "no route " + ex.getRequestURI().getPath(), null);
        return;
      }
      Reply reply;
      synchronized (queue) {
        reply =
            routes.stream()
                .filter(r -> !r.replies().isEmpty() && r.when().test(request))
                .findFirst()
                .map(r -> r.replies().poll())
                .orElseGet(() -> queue.isEmpty() ? defaultReply : queue.poll());
      }
      FakeAnthropicWire.sleep(reply.delay);
      boolean stream = body.path("stream").asBoolean(false);
      String model = body.path("model").asText("claude-fake");
      if (reply.isError() && !(stream && reply.midStream)) {
        wire.sendError(
            ex, reply.errorStatus, reply.errorType, reply.errorMessage, reply.retryAfter);
      } else if (stream) {
        wire.stream(ex, reply, model);
      } else {
        ObjectNode message = wire.message(reply, model, true);
        FakeAnthropicWire.send(ex, 200, "application/json", JSON.writeValueAsBytes(message));
      }
    } catch (IOException | RuntimeException e) {
      // the client went away (e.g. a cancelled stream): nothing to do
    }
  }
}
