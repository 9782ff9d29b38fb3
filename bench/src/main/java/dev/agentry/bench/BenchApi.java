package dev.agentry.bench;

import dev.agentry.core.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

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

  /**
   * Waits up to 10 s for the session to go idle, polling every {@code pollMillis} (a bench that
   * measures CPU-bound work polls slowly, so the poll does not take the CPU the turn needs).
   */
  static void awaitIdle(HttpClient http, String base, String session, long pollMillis)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    HttpRequest get =
        HttpRequest.newBuilder(URI.create(base + "/v1/sessions/" + session))
            .header("x-api-key", KEY)
            .GET()
            .build();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> res = http.send(get, HttpResponse.BodyHandlers.ofString());
      if (Json.mapper().readTree(res.body()).path("status").asText().equals("idle")) {
        return;
      }
      Thread.sleep(pollMillis);
    }
    throw new IllegalStateException("session " + session + " did not go idle");
  }

  /**
   * Sums of the server's own model request and tool call histograms ({@code /metrics}): {model
   * seconds, model requests, tool seconds, tool calls}.
   */
  static double[] serverTimes(HttpClient http, String base) throws Exception {
    String text =
        http.send(
                HttpRequest.newBuilder(URI.create(base + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    String[] names = {
      "agentry_model_request_duration_seconds_sum",
      "agentry_model_request_duration_seconds_count",
      "agentry_tool_call_duration_seconds_sum",
      "agentry_tool_call_duration_seconds_count"
    };
    double[] sums = new double[names.length];
    for (String line : text.split("\n")) {
      for (int slot = 0; slot < names.length; slot++) {
        if (line.startsWith(names[slot])) {
          sums[slot] += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
    }
    return sums;
  }
}
