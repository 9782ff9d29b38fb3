package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A SearXNG-compatible JSON endpoint ({@code AGENTRY_WEB_SEARCH_URL}): {@code GET
 * <url>?q=<query>&format=json} answering {@code {"results":[{"title","url","content"}…]}}.
 */
public final class SearxngSearchProvider implements SearchProvider {
  private final URI endpoint;
  private final Duration timeout;
  private final HttpClient http;

  public SearxngSearchProvider(URI endpoint, Duration timeout) {
    String scheme = endpoint.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme) || endpoint.getHost() == null) {
      throw new IllegalArgumentException(
          "AGENTRY_WEB_SEARCH_URL must be an http or https URL, got '" + endpoint + "'");
    }
    this.endpoint = endpoint;
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  @Override
  public List<Result> search(String query, int max) throws IOException {
    String base = endpoint.toString();
    String url =
        base
            + (base.contains("?") ? "&" : "?")
            + "q="
            + URLEncoder.encode(query, StandardCharsets.UTF_8)
            + "&format=json";
    HttpResponse<String> res;
    try {
      res =
          http.send(
              HttpRequest.newBuilder(URI.create(url))
                  .timeout(timeout)
                  .header("Accept", "application/json")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("the search was interrupted", e);
    }
    if (res.statusCode() != 200) {
      throw new IOException("the search provider answered HTTP " + res.statusCode());
    }
    JsonNode body;
    try {
      body = Json.mapper().readTree(res.body());
    } catch (IOException e) {
      throw new IOException("the search provider's answer is not JSON", e);
    }
    List<Result> out = new ArrayList<>();
    for (JsonNode r : body.path("results")) {
      if (out.size() >= max) {
        break;
      }
      String link = r.path("url").asText("");
      if (!link.isEmpty()) {
        out.add(new Result(r.path("title").asText(""), link, r.path("content").asText("")));
      }
    }
    return out;
  }
}
