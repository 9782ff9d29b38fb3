package dev.agentry.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.Json;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
import dev.agentry.core.ToolDefinition;
import dev.agentry.model.ModelClients;
import dev.agentry.server.AgentryServer;
import dev.agentry.server.ServerConfig;
import dev.agentry.testkit.FakeAnthropic;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * What a model request costs above the wire. One fake Anthropic endpoint answers every request with
 * the same short streamed reply; the same request (a 20-step bash history, eight tools, a system
 * prompt) is timed four ways, one after the other:
 *
 * <ol>
 *   <li><b>wire</b>: its bytes replayed over one kept-alive socket, reading the chunked SSE answer
 *       to its last chunk: the endpoint's own time, what curl measures;
 *   <li><b>client</b>: {@code ModelClients.anthropic(...).send}, as the harness calls it;
 *   <li><b>server</b>: a real server's turns (user message over HTTP, the harness builds the
 *       request from the log, redacts, observes and sends it), timed by the server's own {@code
 *       agentry_model_request_duration_seconds} (its mean: sum over count) and, inside it, by a
 *       timer around the provider router (p50); each turn's request is then replayed on the wire
 *       and sent by a bare client, for a comparison of the same requests at the same moments.
 * </ol>
 *
 * The overhead is each figure minus the wire's; the target is a p50 of at most 1 ms. {@code
 * bench.model.steps} (default 20) sets the request's history length: at 20 steps its JSON is over 8
 * KiB, past which a client with Nagle's algorithm on stalls.
 */
final class ModelPathBench {
  private static final String KEY = "sk-ant-bench-model-path";
  private final int requests;
  private final int turns;
  private final PrintStream out;

  ModelPathBench(int requests, int turns, PrintStream out) {
    this.requests = requests;
    this.turns = turns;
    this.out = out;
  }

  void run() throws Exception {
    out.println();
    out.println("## Model path: a streamed model request above the wire");
    try (FakeAnthropic fake = FakeAnthropic.start()) {
      fake.defaultReply(
          FakeAnthropic.text("Done: the loop printed step 20 and nothing else.").chunkSize(12));
      ModelRequest request = request();
      ModelClient client = ModelClients.anthropic(fake.baseUrl(), KEY);
      client.send(request, ModelStreamListener.NONE, new Cancellation());
      FakeAnthropic.RecordedRequest sent = fake.requests().getLast();
      byte[] body = Json.mapper().writeValueAsBytes(sent.body());

      Histogram wire = Latency.histogram();
      Histogram direct = Latency.histogram();
      int warmup = Math.max(200, requests / 5);
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port(fake))) {
        socket.setTcpNoDelay(true);
        for (int round = 0; round < 2; round++) {
          // Interleaved, so that the JIT and the machine's load affect both alike.
          for (int i = 0; i < warmup + requests; i++) {
            long t0 = System.nanoTime();
            replay(socket, body);
            long t1 = System.nanoTime();
            client.send(request, new Counting(), new Cancellation());
            long t2 = System.nanoTime();
            if (round == 1 && i >= warmup) {
              Latency.record(wire, t1 - t0);
              Latency.record(direct, t2 - t1);
            }
          }
        }
      }
      out.printf(
          Locale.ROOT,
          "%nA. One request, %d times: %d messages, %d tools, %,d bytes of JSON; the reply is one"
              + " text block in 5 deltas. Wire and client interleaved.%n%n",
          requests,
          request.messages().size(),
          request.tools().size(),
          body.length);
      header();
      double wireP50 = Latency.ms(wire.getValueAtPercentile(50));
      row("1. wire (raw socket, kept alive)", wire, wireP50);
      row("2. client: ModelClients.anthropic().send", direct, wireP50);

      Histogram turnWire = Latency.histogram();
      Histogram turnDirect = Latency.histogram();
      Histogram router = Latency.histogram();
      double[] serverMean = throughServer(fake, turnWire, turnDirect, router);
      if (turns > 0) {
        out.printf(
            Locale.ROOT,
            "%nB. %d turns of a real server (user message over HTTP; the harness builds, redacts,"
                + " observes and sends the request; 20 turns a session). After each turn the request"
                + " it sent is replayed on the wire and sent by a bare client, so the three rows"
                + " time the same requests at the same moments.%n%n",
            turns);
        header();
        double turnWireP50 = Latency.ms(turnWire.getValueAtPercentile(50));
        row("1. wire, the same request", turnWire, turnWireP50);
        row("2. client, the same request", turnDirect, turnWireP50);
        row("3. in the server, around the provider router", router, turnWireP50);
        out.printf(
            Locale.ROOT,
            "| 4. in the server, agentry_model_request_duration_seconds (mean only) | %.0f | - | -"
                + " | - | %.3f | %.3f (mean above the wire's mean) |%n",
            serverMean[1],
            serverMean[0],
            serverMean[0] - turnWire.getMean() / 1e6);
      }
      out.flush();
    }
  }

  private void header() {
    out.println("| path | requests | p50 ms | p90 ms | p99 ms | mean ms | p50 above wire ms |");
    out.println("|---|---:|---:|---:|---:|---:|---:|");
  }

  private void row(String name, Histogram h, double wireP50) {
    double p50 = Latency.ms(h.getValueAtPercentile(50));
    out.printf(
        Locale.ROOT,
        "| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f |%n",
        name,
        h.getTotalCount(),
        p50,
        Latency.ms(h.getValueAtPercentile(90)),
        Latency.ms(h.getValueAtPercentile(99)),
        h.getMean() / 1e6,
        p50 - wireP50);
  }

  /**
   * Runs {@code turns} turns of one real server against the fake, recording the router's time in
   * {@code router}; returns the server metric's mean in ms and its count.
   */
  private double[] throughServer(
      FakeAnthropic fake, Histogram wire, Histogram direct, Histogram router) throws Exception {
    if (turns <= 0) {
      return new double[] {Double.NaN, 0};
    }
    Path dir = TempDirs.create("agentry-bench-model-path-");
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    ModelClient routed =
        ModelClients.fromEnv(
            Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", KEY));
    AtomicInteger seen = new AtomicInteger();
    AtomicReference<ModelRequest> last = new AtomicReference<>();
    ModelClient bare = ModelClients.anthropic(fake.baseUrl(), KEY);
    int warmup = Math.max(50, turns / 5);
    ModelClient timed =
        (request, listener, cancellation) -> {
          last.set(request);
          long t0 = System.nanoTime();
          ModelResponse r = routed.send(request, listener, cancellation);
          if (seen.incrementAndGet() > warmup) {
            synchronized (router) {
              Latency.record(router, System.nanoTime() - t0);
            }
          }
          return r;
        };
    try (AgentryServer server =
            AgentryServer.start(
                ServerConfig.builder(Map.of()).port(0).dataDir(dir).apiKey(BenchApi.KEY).build(),
                Clock.systemUTC(),
                quiet,
                timed);
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port(fake))) {
      socket.setTcpNoDelay(true);
      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      String base = "http://127.0.0.1:" + server.port();
      String agent =
          BenchApi.id(
              BenchApi.post(
                  http,
                  base + "/v1/agents",
                  "{\"name\":\"model-path\",\"model\":\"claude-sonnet-4-6\",\"system\":"
                      + Json.mapper().writeValueAsString(system())
                      + "}"));
      String env = BenchApi.id(BenchApi.post(http, base + "/v1/environments", "{\"name\":\"e\"}"));
      double[] before = null;
      String session = null;
      for (int i = 0; i < warmup + turns; i++) {
        if (i % 20 == 0) {
          // A session's context grows with each turn: start over every 20, like a 20-step task.
          session =
              BenchApi.id(
                  BenchApi.post(
                      http,
                      base + "/v1/sessions",
                      "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
        }
        if (i == warmup) {
          before = BenchApi.serverTimes(http, base);
        }
        int already = fake.requests().size();
        BenchApi.post(
            http,
            base + "/v1/sessions/" + session + "/events",
            "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"step "
                + i
                + ": echo the next step\"}]}]}");
        fake.awaitRequests(already + 1, Duration.ofSeconds(10));
        // polling harder would take the CPU the turn being measured needs
        BenchApi.awaitIdle(http, base, session, 20);
        byte[] sent = Json.mapper().writeValueAsBytes(fake.requests().getLast().body());
        long t0 = System.nanoTime();
        replay(socket, sent);
        long t1 = System.nanoTime();
        bare.send(last.get(), new Counting(), new Cancellation());
        long t2 = System.nanoTime();
        if (i >= warmup) {
          Latency.record(wire, t1 - t0);
          Latency.record(direct, t2 - t1);
        }
      }
      double[] after = BenchApi.serverTimes(http, base);
      double count = after[1] - before[1];
      return new double[] {(after[0] - before[0]) / count * 1000, count};
    } finally {
      TempDirs.delete(dir);
    }
  }

  private static int port(FakeAnthropic fake) {
    return URI.create(fake.baseUrl()).getPort();
  }

  /** Writes one POST /v1/messages and reads its chunked answer to the last chunk. */
  private static void replay(Socket socket, byte[] body) throws IOException {
    String head =
        "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
            + "accept: text/event-stream\r\nanthropic-version: 2023-06-01\r\nx-api-key: "
            + KEY
            + "\r\ncontent-length: "
            + body.length
            + "\r\n\r\n";
    OutputStream os = socket.getOutputStream();
    os.write(head.getBytes(StandardCharsets.US_ASCII));
    os.write(body);
    os.flush();
    InputStream in = socket.getInputStream();
    String status = line(in);
    if (!status.startsWith("HTTP/1.1 200")) {
      throw new IllegalStateException("the fake answered " + status);
    }
    boolean chunked = false;
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      chunked |= h.toLowerCase(Locale.ROOT).startsWith("transfer-encoding: chunked");
    }
    if (!chunked) {
      throw new IllegalStateException("expected a chunked stream");
    }
    while (true) {
      int size = Integer.parseInt(line(in).trim(), 16);
      in.readNBytes(size);
      line(in);
      if (size == 0) {
        return;
      }
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new IOException("connection closed");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.US_ASCII);
  }

  /** A request like the twentieth step of a bash loop. */
  private static ModelRequest request() throws IOException {
    List<ModelMessage> messages = new ArrayList<>();
    messages.add(
        ModelMessage.user(
            List.of(
                new ContentBlock.Text("Run `echo step N` for N from 1 to 20, one call each."))));
    for (int n = 1; n <= Integer.getInteger("bench.model.steps", 20); n++) {
      String id = "toolu_bench_" + n;
      messages.add(
          ModelMessage.assistant(
              List.of(
                  new ContentBlock.Text("Step " + n + "."),
                  new ContentBlock.ToolUse(
                      id,
                      "bash",
                      Json.mapper().createObjectNode().put("command", "echo step " + n)))));
      messages.add(
          ModelMessage.user(List.of(new ContentBlock.ToolResult(id, "step " + n + "\n", false))));
    }
    List<ToolDefinition> tools = new ArrayList<>();
    for (String name : List.of("bash", "read", "write", "edit", "glob", "grep", "web_fetch")) {
      tools.add(new ToolDefinition(name, "The " + name + " tool. " + "x".repeat(200), schema()));
    }
    tools.add(new ToolDefinition("web_search", "Search the web.", schema()));
    return new ModelRequest("claude-sonnet-4-6", system(), messages, tools, 4096, null);
  }

  private static String system() {
    return "You are a careful coding agent working in a sandbox. ".repeat(30);
  }

  private static JsonNode schema() throws IOException {
    return Json.mapper()
        .readTree(
            "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\","
                + "\"description\":\"what to run\"},\"timeout\":{\"type\":\"integer\"}},"
                + "\"required\":[\"command\"]}");
  }

  private static final class Counting implements ModelStreamListener {
    int deltas;

    @Override
    public void onTextDelta(int index, String text) {
      deltas++;
    }

    @Override
    public void onThinkingDelta(int index, String thinking) {
      deltas++;
    }
  }
}
