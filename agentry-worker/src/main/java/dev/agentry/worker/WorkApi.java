package dev.agentry.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The calls a worker makes, over the JDK's HTTP client. Each takes the credential it is made with:
 * the environment key for poll and ack, the item's sessions token (or the key, when the item has
 * none) for the rest. Failures are {@link ApiError}s; nothing here retries.
 */
final class WorkApi {
  static final String BETA = "managed-agents-2026-04-01";

  /** The SDK's bound on one work call: the client's own timeout can be longer than a lease. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final URI base;
  private final String environmentId;

  WorkApi(HttpClient http, URI base, String environmentId) {
    this.http = http;
    String b = base.toString();
    this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
    this.environmentId = environmentId;
  }

  String environmentId() {
    return environmentId;
  }

  /** The next work item, or empty when none came within {@code blockMs}. */
  Optional<JsonNode> poll(String key, String workerId, int blockMs) {
    HttpRequest request =
        request(key, work("poll") + "?block_ms=" + blockMs, REQUEST_TIMEOUT.plusMillis(blockMs))
            .header("Anthropic-Worker-ID", workerId)
            .GET()
            .build();
    JsonNode body = call("poll", request);
    return body == null || body.isNull() || body.isMissingNode()
        ? Optional.empty()
        : Optional.of(body);
  }

  void ack(String key, String workId) {
    call("ack", post(key, work(workId) + "/ack", JSON.createObjectNode()));
  }

  /** A heartbeat; {@code desiredTtlSeconds} of 0 leaves the lease's length to the server. */
  JsonNode heartbeat(
      String credential, String workId, String expectedLastHeartbeat, int desiredTtlSeconds) {
    String query =
        "?expected_last_heartbeat="
            + encode(expectedLastHeartbeat)
            + (desiredTtlSeconds > 0 ? "&desired_ttl_seconds=" + desiredTtlSeconds : "");
    return call("heartbeat", post(credential, work(workId) + "/heartbeat" + query, null));
  }

  void stop(String credential, String workId, boolean force) {
    ObjectNode body = JSON.createObjectNode().put("force", force);
    call("stop", post(credential, work(workId) + "/stop", body));
  }

  JsonNode session(String credential, String sessionId) {
    return call("session", request(credential, sessions(sessionId), REQUEST_TIMEOUT).GET().build());
  }

  /** The session's whole history, oldest first, every page. */
  List<JsonNode> events(String credential, String sessionId) {
    List<JsonNode> all = new ArrayList<>();
    String page = null;
    do {
      String path =
          sessions(sessionId)
              + "/events?limit=1000"
              + (page == null ? "" : "&page=" + encode(page));
      JsonNode body = call("events", request(credential, path, REQUEST_TIMEOUT).GET().build());
      body.path("data").forEach(all::add);
      JsonNode next = body.path("next_page");
      page = next.isTextual() && !next.asText().isEmpty() ? next.asText() : null;
    } while (page != null);
    return all;
  }

  /** Opens the session's event stream; events sent after it opened arrive on it. */
  EventStream stream(String credential, String sessionId) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + sessions(sessionId) + "/events/stream"))
            .timeout(REQUEST_TIMEOUT) // until the headers: a stream that never opens is retried
            .header("Authorization", "Bearer " + credential)
            .header("anthropic-beta", BETA)
            .header("anthropic-version", "2023-06-01")
            .header("Accept", "text/event-stream")
            .GET()
            .build();
    return new EventStream(open("stream", request));
  }

  /** Posts one event to the session (a {@code user.tool_result}). */
  void send(String credential, String sessionId, ObjectNode event) {
    ObjectNode body = JSON.createObjectNode();
    body.putArray("events").add(event);
    call("send", post(credential, sessions(sessionId) + "/events", body));
  }

  /** A GET of any route the item's token may read (memories, skills); the body as JSON. */
  JsonNode get(String credential, String path) {
    return call("GET " + path, request(credential, path, REQUEST_TIMEOUT).GET().build());
  }

  /** A POST of {@code body} to {@code path}; the answer as JSON. */
  JsonNode post(String what, String credential, String path, ObjectNode body) {
    return call(what, post(credential, path, body));
  }

  void delete(String credential, String path) {
    call("DELETE " + path, request(credential, path, REQUEST_TIMEOUT).DELETE().build());
  }

  /** The bytes at {@code path} (a skill's archive). */
  InputStream download(String credential, String path) {
    return open("GET " + path, request(credential, path, REQUEST_TIMEOUT).GET().build());
  }

  /** The body of a 2xx answer as it arrives; another answer is an {@link ApiError}. */
  private InputStream open(String what, HttpRequest request) {
    try {
      HttpResponse<InputStream> response =
          http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() / 100 != 2) {
        try (InputStream in = response.body()) {
          throw error(response.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
      return response.body();
    } catch (IOException e) {
      throw ApiError.unreachable(what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiError.unreachable(what, e);
    }
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private String work(String rest) {
    return "/v1/environments/" + encode(environmentId) + "/work/" + rest;
  }

  private static String sessions(String sessionId) {
    return "/v1/sessions/" + encode(sessionId);
  }

  private HttpRequest post(String credential, String path, ObjectNode body) {
    return request(credential, path, REQUEST_TIMEOUT)
        .header("Content-Type", "application/json")
        .POST(
            body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
  }

  private HttpRequest.Builder request(String credential, String path, Duration timeout) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(timeout)
        .header("Authorization", "Bearer " + credential)
        .header("anthropic-beta", BETA)
        .header("anthropic-version", "2023-06-01")
        .header("Accept", "application/json");
  }

  private JsonNode call(String what, HttpRequest request) {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw ApiError.unreachable(what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiError.unreachable(what, e);
    }
    if (response.statusCode() / 100 != 2) {
      throw error(response.statusCode(), response.body());
    }
    String body = response.body();
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new ApiError(response.statusCode(), "invalid_response", what + ": not JSON: " + e);
    }
  }

  /** The envelope's type and message, or the raw body when the server sent no envelope. */
  static ApiError error(int status, String body) {
    try {
      JsonNode error = JSON.readTree(body == null ? "" : body).path("error");
      if (error.isObject()) {
        return new ApiError(
            status, error.path("type").asText("error"), error.path("message").asText(""));
      }
    } catch (IOException e) {
      // not an envelope: fall through to the raw body
    }
    String text = body == null ? "" : body.strip();
    return new ApiError(status, "http_error", text.length() > 300 ? text.substring(0, 300) : text);
  }
}
