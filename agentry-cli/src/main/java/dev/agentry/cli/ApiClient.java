package dev.agentry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.stream.Stream;

/** A small HTTP client for the server's API: JSON in and out, API errors as exceptions. */
final class ApiClient implements AutoCloseable {
  private final String baseUrl;
  private final String apiKey;
  private final HttpClient http;

  ApiClient(String baseUrl, String apiKey) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.apiKey = apiKey;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  String baseUrl() {
    return baseUrl;
  }

  /** An error answer of the API (or an unreadable one), with the API's message. */
  static final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;

    /** The raw error body, printed as is under {@code --json}. */
    final transient String body;

    ApiException(int status, String message, String body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(baseUrl + path))
        .header("x-api-key", apiKey)
        .header("anthropic-version", "2023-06-01")
        .header("anthropic-beta", "managed-agents-2026-04-01");
  }

  JsonNode get(String path) throws IOException, InterruptedException {
    return call("GET", path, null);
  }

  JsonNode post(String path, JsonNode body) throws IOException, InterruptedException {
    return call("POST", path, body == null ? Json.mapper().createObjectNode() : body);
  }

  JsonNode delete(String path) throws IOException, InterruptedException {
    return call("DELETE", path, null);
  }

  JsonNode call(String method, String path, JsonNode body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = request(path).timeout(Duration.ofMinutes(5));
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("content-type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw error(r.statusCode(), r.body());
    }
    if (r.body() == null || r.body().isBlank()) {
      return Json.mapper().createObjectNode();
    }
    return Json.mapper().readTree(r.body());
  }

  /** Opens an SSE stream; the caller closes the returned lines to end it. */
  Stream<String> stream(String path) throws IOException, InterruptedException {
    HttpResponse<Stream<String>> r =
        http.send(
            request(path).header("accept", "text/event-stream").GET().build(),
            HttpResponse.BodyHandlers.ofLines());
    if (r.statusCode() / 100 != 2) {
      String body;
      try (Stream<String> lines = r.body()) {
        body = String.join("\n", lines.toList());
      }
      throw error(r.statusCode(), body);
    }
    return r.body();
  }

  static ApiException error(int status, String body) {
    String message = null;
    try {
      JsonNode err = Json.mapper().readTree(body);
      JsonNode m = err.path("error").path("message");
      if (m.isTextual()) {
        message = m.asText();
      }
    } catch (IOException | RuntimeException e) {
      // not JSON: fall through to the raw body
    }
    if (message == null) {
      message = body == null || body.isBlank() ? "no message" : body.strip();
    }
    return new ApiException(status, message + " (HTTP " + status + ")", body);
  }

  static ObjectNode object() {
    return Json.mapper().createObjectNode();
  }

  @Override
  public void close() {
    http.shutdownNow();
  }
}
