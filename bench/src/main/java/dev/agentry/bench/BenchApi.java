package dev.agentry.bench;

import dev.agentry.core.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** The calls the end-to-end benches make to the server they start, with its pinned key. */
final class BenchApi {
  static final String KEY = "sk-bench-0123456789abcdef";

  private BenchApi() {}

  /** POSTs a JSON body and returns the response body; anything but 2xx is an error. */
  static String post(HttpClient http, String uri, String body)
      throws IOException, InterruptedException {
    HttpResponse<String> res =
        http.send(
            HttpRequest.newBuilder(URI.create(uri))
                .header("x-api-key", KEY)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          "POST " + uri + " answered " + res.statusCode() + ": " + res.body());
    }
    return res.body();
  }

  /** Creates an agent, an environment and a session of them at {@code base}; the session's id. */
  static String newSession(HttpClient http, String base) throws IOException, InterruptedException {
    String agent =
        id(post(http, base + "/v1/agents", "{\"name\":\"b\",\"model\":\"claude-sonnet-4-6\"}"));
    String env = id(post(http, base + "/v1/environments", "{\"name\":\"e\"}"));
    return id(
        post(
            http,
            base + "/v1/sessions",
            "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
  }

  static String id(String body) throws IOException {
    return Json.mapper().readTree(body).get("id").asText();
  }
}
