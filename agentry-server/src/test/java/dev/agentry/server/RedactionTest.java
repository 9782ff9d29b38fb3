package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.Json;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
import dev.agentry.core.ModelUsage;
import dev.agentry.core.Redactor;
import dev.agentry.core.ToolDefinition;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A vault secret put in front of every exit: a user message, a tool's output, the model's answer,
 * an error message and a log line, as is, in base64 and URL-encoded. None of it comes out.
 */
class RedactionTest {
  static final String SECRET = "ghp_RedactMe/0123456789+abcdef";
  static final String B64 =
      Base64.getEncoder().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8));
  static final String URL = URLEncoder.encode(SECRET, StandardCharsets.UTF_8);
  static final String BASIC =
      Base64.getEncoder().encodeToString(("bot:" + SECRET).getBytes(StandardCharsets.UTF_8));
  @TempDir static Path dataDir;
  static AgentryServer server;
  static Client client;
  static final List<ModelRequest> requests = new CopyOnWriteArrayList<>();

  /**
   * How the model cuts its streamed answer, by what the user said: a secret split in two, a secret
   * and its encodings one character per delta, and a prefix of the secret that then goes elsewhere.
   * The answer is the pieces put together.
   */
  static final Map<String, List<String>> STREAMS =
      Map.of(
          "split in two",
          List.of("the token is ghp_Redact", "Me/0123456789+abcdef, keep it"),
          "one character at a time",
          RedactingStreamListenerTest.characters(
              "token: " + SECRET + " or " + B64 + " or " + URL + " done"),
          "a prefix that diverges",
          List.of("close: ghp_RedactMe/0123", "4567", " is not it"));

  /** Asks for bash once (its output prints the secret), then answers with the secret itself. */
  static final ModelClient MODEL =
      (request, listener, cancellation) -> {
        requests.add(request);
        boolean toolDone =
            request.messages().getLast().content().stream()
                .anyMatch(b -> b instanceof ContentBlock.ToolResult);
        if (!toolDone && !request.tools().isEmpty()) {
          String reversed = new StringBuilder(SECRET).reverse().toString();
          var input =
              Json.mapper()
                  .createObjectNode()
                  .put(
                      "command",
                      "printf '%s' '"
                          + reversed
                          + "' | rev; echo; printf '%s' '"
                          + reversed
                          + "' | rev | base64 -w0");
          return new ModelResponse(
              List.of(new ContentBlock.ToolUse("toolu_1", "bash", input)),
              "tool_use",
              ModelUsage.ZERO);
        }
        List<String> pieces = STREAMS.get(lastUserText(request));
        if (pieces != null) {
          pieces.forEach(p -> listener.onTextDelta(0, p));
          return new ModelResponse(
              List.of(new ContentBlock.Text(String.join("", pieces))), "end_turn", ModelUsage.ZERO);
        }
        listener.onTextDelta(0, "the token is " + SECRET);
        return new ModelResponse(
            List.of(
                new ContentBlock.Text(
                    "the token is " + SECRET + " or " + B64 + " or " + URL + " or " + BASIC)),
            "end_turn",
            ModelUsage.ZERO);
      };

  static String lastUserText(ModelRequest request) {
    return request.messages().getLast().content().stream()
        .filter(b -> b instanceof ContentBlock.Text)
        .map(b -> ((ContentBlock.Text) b).text())
        .findFirst()
        .orElse("");
  }

  @BeforeAll
  static void start() throws Exception {
    ServerConfig config =
        ServerConfig.builder(Map.of())
            .port(0)
            .dataDir(dataDir)
            .apiKey(TestServer.KEY)
            .heartbeat(Duration.ofMillis(500))
            .build();
    server =
        AgentryServer.start(
            config,
            Clock.systemUTC(),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            MODEL);
    client = new Client(server.port());
    String vault =
        BadInputTest.id(client.call("POST", "/v1/vaults", "{\"display_name\":\"redaction\"}"));
    var created =
        client.call(
            "POST",
            "/v1/vaults/" + vault + "/credentials",
            "{\"auth\":{\"type\":\"static_bearer\",\"mcp_server_url\":\"https://mcp.example.com/mcp\",\"token\":\""
                + SECRET
                + "\"}}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
  }

  /** Raw calls with the pinned key. */
  record Client(int port) {
    java.net.http.HttpResponse<String> call(String method, String path, String body) {
      var b =
          java.net.http.HttpRequest.newBuilder(
                  java.net.URI.create("http://127.0.0.1:" + port + path))
              .method(
                  method,
                  body == null
                      ? java.net.http.HttpRequest.BodyPublishers.noBody()
                      : java.net.http.HttpRequest.BodyPublishers.ofString(body))
              .header("content-type", "application/json")
              .header("x-api-key", TestServer.KEY);
      try (var http = java.net.http.HttpClient.newHttpClient()) {
        return http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static void assertClean(String text) {
    assertThat(text).doesNotContain(SECRET, B64, B64.replace("=", ""), URL, BASIC);
    assertThat(text).doesNotContain(SECRET.substring(0, 16));
  }

  @Test
  void userMessage_toolResult_andModelAnswer_areRedactedInTheLog_andInModelRequests()
      throws Exception {
    String env = BadInputTest.id(client.call("POST", "/v1/environments", "{\"name\":\"r\"}"));
    String agent =
        BadInputTest.id(
            client.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"r\",\"model\":\"claude-sonnet-4-6\",\"tools\":[{\"type\":\"agent_toolset_20260401\"}]}"));
    String session =
        BadInputTest.id(
            client.call(
                "POST",
                "/v1/sessions",
                "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
    var sent =
        client.call(
            "POST",
            "/v1/sessions/" + session + "/events",
            "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\"use "
                + SECRET
                + " / "
                + B64
                + " / "
                + URL
                + " / Basic "
                + BASIC
                + "\"}]}]}");
    assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
    assertClean(sent.body());
    String log = "";
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline && !log.contains("\"the token is")) {
      Thread.sleep(50);
      log = client.call("GET", "/v1/sessions/" + session + "/events?limit=100", null).body();
    }
    JsonNode events = Json.mapper().readTree(log).get("data");
    assertThat(log).contains("\"agent.tool_result\"", "the token is [redacted]");
    assertThat(log).contains("[redacted]");
    assertClean(log);
    assertThat(events.toString()).contains("use [redacted] / [redacted] / [redacted]");
    assertThat(requests).isNotEmpty();
    requests.forEach(r -> assertClean(r.toString()));
  }

  /**
   * Live previews ({@code event_deltas[]}) leave the server before any event is persisted, so the
   * log's redaction never sees them: the streamed text itself must be scanned. A real SSE
   * subscriber asks for previews and reads the stream until the turn ends.
   */
  @Test
  void livePreviews_onTheEventStream_areRedacted() throws Exception {
    List<String> lines = liveStream("hi");
    String stream = String.join("\n", lines);
    List<String> previews =
        lines.stream().filter(l -> l.startsWith("data:") && l.contains("\"event_delta\"")).toList();
    assertThat(previews).as(stream).isNotEmpty();
    assertThat(String.join("\n", previews)).contains("the token is [redacted]");
    assertClean(stream);
  }

  @Test
  void livePreviews_ofASecretSplitAcrossTwoDeltas_areRedacted() throws Exception {
    List<String> lines = liveStream("split in two");
    assertClean(String.join("\n", lines));
    assertThat(previewText(lines)).isEqualTo("the token is [redacted], keep it");
    assertThat(previewText(lines)).isEqualTo(messageText(lines));
  }

  @Test
  void livePreviews_ofASecretAndItsEncodings_oneCharacterPerDelta_areRedacted() throws Exception {
    List<String> lines = liveStream("one character at a time");
    assertClean(String.join("\n", lines));
    assertThat(previewDeltas(lines)).hasSizeGreaterThan(3);
    assertThat(previewText(lines)).isEqualTo("token: [redacted] or [redacted] or [redacted] done");
    assertThat(previewText(lines)).isEqualTo(messageText(lines));
  }

  @Test
  void livePreviews_ofAPrefixOfTheSecretThatDiverges_comeThroughWhole_inOrder() throws Exception {
    List<String> lines = liveStream("a prefix that diverges");
    assertThat(previewText(lines)).isEqualTo("close: ghp_RedactMe/01234567 is not it");
    assertThat(messageText(lines)).isEqualTo("close: ghp_RedactMe/01234567 is not it");
  }

  /** The texts of the {@code event_delta} previews, in the order they came. */
  static List<String> previewDeltas(List<String> lines) {
    return data(lines, "event_delta").stream()
        .map(e -> e.at("/delta/content/text").asText())
        .toList();
  }

  static String previewText(List<String> lines) {
    return String.join("", previewDeltas(lines));
  }

  /** The text of the persisted {@code agent.message}, as the stream delivered it. */
  static String messageText(List<String> lines) {
    List<JsonNode> messages = data(lines, "agent.message");
    assertThat(messages).as(String.join("\n", lines)).hasSize(1);
    return messages.getFirst().at("/content/0/text").asText();
  }

  static List<JsonNode> data(List<String> lines, String type) {
    return lines.stream()
        .filter(l -> l.startsWith("data:"))
        .map(
            l -> {
              try {
                return Json.mapper().readTree(l.substring("data:".length()));
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            })
        .filter(e -> type.equals(e.path("type").asText()))
        .toList();
  }

  /**
   * Says {@code text} in a new session while a real SSE subscriber that asked for previews reads
   * its stream; returns the stream's lines up to the session going idle.
   */
  static List<String> liveStream(String text) throws Exception {
    String env =
        BadInputTest.id(
            client.call("POST", "/v1/environments", "{\"name\":\"r-live " + text + "\"}"));
    String agent =
        BadInputTest.id(
            client.call("POST", "/v1/agents", "{\"name\":\"r\",\"model\":\"claude-sonnet-4-6\"}"));
    String session =
        BadInputTest.id(
            client.call(
                "POST",
                "/v1/sessions",
                "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
    var request =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(
                    "http://127.0.0.1:"
                        + server.port()
                        + "/v1/sessions/"
                        + session
                        + "/events/stream?event_deltas%5B%5D=agent.message"))
            .header("x-api-key", TestServer.KEY)
            .build();
    List<String> lines = new CopyOnWriteArrayList<>();
    java.util.function.Predicate<String> idle =
        l -> l.startsWith("data:") && l.contains("\"type\":\"session.status_idle\"");
    // A stream of an earlier test may not be gone yet: count from none.
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> client.call("GET", "/readyz", null).body().contains("\"sse_subscribers\":0"));
    var http = java.net.http.HttpClient.newHttpClient();
    var response = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofLines());
    try {
      assertThat(response.statusCode()).isEqualTo(200);
      Thread.ofVirtual()
          .start(
              () -> {
                for (var it = response.body().iterator(); it.hasNext(); ) {
                  String line = it.next();
                  lines.add(line);
                  if (idle.test(line)) {
                    return;
                  }
                }
              });
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> client.call("GET", "/readyz", null).body().contains("\"sse_subscribers\":1"));
      var sent =
          client.call(
              "POST",
              "/v1/sessions/" + session + "/events",
              "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\""
                  + text
                  + "\"}]}]}");
      assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> lines.stream().anyMatch(idle));
    } finally {
      response.body().close();
      http.shutdownNow();
    }
    return lines;
  }

  /** Initial events enter the log with the session, not through an append: scanned all the same. */
  @Test
  void initialEvents_areRedactedToo() throws Exception {
    String env =
        BadInputTest.id(client.call("POST", "/v1/environments", "{\"name\":\"r-initial\"}"));
    String agent =
        BadInputTest.id(
            client.call("POST", "/v1/agents", "{\"name\":\"r\",\"model\":\"claude-sonnet-4-6\"}"));
    String session =
        BadInputTest.id(
            client.call(
                "POST",
                "/v1/sessions",
                "{\"agent\":\""
                    + agent
                    + "\",\"environment_id\":\""
                    + env
                    + "\",\"initial_events\":[{\"type\":\"user.message\",\"content\":"
                    + "[{\"type\":\"text\",\"text\":\"start with "
                    + SECRET
                    + "\"}]}]}"));
    String log = client.call("GET", "/v1/sessions/" + session + "/events?limit=100", null).body();
    assertThat(log).contains("start with [redacted]");
    assertClean(log);
  }

  @Test
  void modelRequests_areScannedEvenWhenTheLogWasNot() {
    Redactor redactor = new Redactor();
    redactor.add(SECRET);
    var redacting = new RedactingModelClient(MODEL, redactor);
    requests.clear();
    ModelRequest raw =
        new ModelRequest(
            "m",
            "system " + SECRET,
            List.of(
                ModelMessage.user(List.of(new ContentBlock.Text("a " + B64))),
                ModelMessage.assistant(
                    List.of(
                        new ContentBlock.ToolUse(
                            "t",
                            "bash",
                            Json.mapper().createObjectNode().put("command", "echo " + URL)))),
                ModelMessage.user(
                    List.of(new ContentBlock.ToolResult("t", "out " + SECRET, false)))),
            List.of(new ToolDefinition("x", "desc " + SECRET, Json.mapper().createObjectNode())),
            10,
            null);
    redacting.send(raw, ModelStreamListener.NONE, new Cancellation());
    assertThat(requests).hasSize(1);
    assertClean(requests.getFirst().toString());
    assertThat(requests.getFirst().system()).isEqualTo("system [redacted]");
  }

  @Test
  void errorEnvelopes_areRedacted() {
    for (String id : List.of(SECRET, B64.replace("=", ""), URL)) {
      var r = client.call("GET", "/v1/vaults/" + id, null);
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).contains("[redacted]");
      assertClean(r.body());
    }
    Redactor redactor = new Redactor();
    redactor.add(SECRET);
    String envelope =
        new Errors(redactor)
            .envelope(ApiError.invalid("bad token " + SECRET + " (" + B64 + ")"), "req_1");
    assertThat(envelope).contains("bad token [redacted] ([redacted])");
  }

  @Test
  void logLines_andExceptionMessages_areRedacted() {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    PatternLayout layout = new PatternLayout();
    layout.setContext(ctx);
    layout.setPattern("%msg%n%ex");
    layout.start();
    var logger = ctx.getLogger("redaction-test");
    var failure =
        new IllegalStateException(
            "upstream said " + URL, new RuntimeException("Authorization: Basic " + BASIC));
    LoggingEvent event =
        new LoggingEvent(
            getClass().getName(),
            logger,
            Level.ERROR,
            "token {} and {}",
            failure,
            new Object[] {SECRET, B64});
    String line = layout.doLayout(event);
    assertThat(line).contains("token [redacted] and [redacted]", "upstream said [redacted]");
    assertClean(line);
  }
}
