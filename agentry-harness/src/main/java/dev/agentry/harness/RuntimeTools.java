package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.Store;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolOutcome;
import java.io.IOException;
import java.util.List;

/**
 * The built-in tools the runtime runs itself, in the harness process: {@code web_fetch} and {@code
 * web_search}. Every other tool goes to the sandbox's executor unchanged. The web tools read their
 * settings (domains, {@code max_content_tokens}) from the session's agent.
 */
final class RuntimeTools implements ToolExecutor {
  static final String SEARCH_NOT_CONFIGURED =
      "web_search is not configured on this server (set AGENTRY_WEB_SEARCH_URL)";
  static final int MAX_SEARCH_RESULTS = 10;

  private final ToolExecutor sandbox;
  private final Store store;
  private final RuntimeToolSettings settings;
  private final WebFetch fetch;

  private RuntimeTools(ToolExecutor sandbox, Store store, RuntimeToolSettings settings) {
    this.sandbox = sandbox;
    this.store = store;
    this.settings = settings;
    this.fetch = new WebFetch(settings);
  }

  static ToolExecutor wrap(ToolExecutor sandbox, Store store, RuntimeToolSettings settings) {
    return sandbox instanceof RuntimeTools ? sandbox : new RuntimeTools(sandbox, store, settings);
  }

  static boolean runs(String name) {
    return name.equals("web_fetch") || name.equals("web_search");
  }

  @Override
  public ToolOutcome execute(String sessionId, String name, JsonNode input, Cancellation c) {
    if (!runs(name)) {
      return sandbox.execute(sessionId, name, input, c);
    }
    ToolConfig config =
        store
            .sessions()
            .find(sessionId)
            .flatMap(s -> Permissions.config(s.agent().spec(), name))
            .orElse(null);
    if (config == null || !config.enabled()) {
      return ToolOutcome.error(name + " is not enabled for this agent");
    }
    return name.equals("web_fetch")
        ? fetch(sessionId, input.path("url").asText(""), config, c)
        : search(input.path("query").asText(""), config);
  }

  private ToolOutcome fetch(String sessionId, String url, ToolConfig config, Cancellation c) {
    UrlSources sources = UrlSources.of(config.urlSources());
    if (sources.restricts()) {
      var refusal = sources.refusal(url, Events.readAll(store.events(), sessionId));
      if (refusal.isPresent()) {
        return ToolOutcome.error("web_fetch: " + refusal.get());
      }
    }
    return fetch.fetch(url, config, c);
  }

  /** Runs {@code web_search}; public to the package for tests with a fake provider. */
  ToolOutcome search(String query, ToolConfig config) {
    return search(settings.search(), query, config);
  }

  static ToolOutcome search(SearchProvider provider, String query, ToolConfig config) {
    if (provider == null) {
      return ToolOutcome.error(SEARCH_NOT_CONFIGURED);
    }
    if (query.isBlank()) {
      return ToolOutcome.error("web_search: input.query is required");
    }
    List<SearchProvider.Result> results;
    try {
      results = provider.search(query, MAX_SEARCH_RESULTS * 3);
    } catch (IOException | RuntimeException e) {
      return ToolOutcome.error("web_search failed: " + e.getMessage());
    }
    StringBuilder sb = new StringBuilder();
    int n = 0;
    for (SearchProvider.Result r : results) {
      if (n >= MAX_SEARCH_RESULTS || !permitted(r.url(), config)) {
        continue;
      }
      n++;
      sb.append(n).append(". ").append(r.title().strip()).append('\n');
      sb.append("   ").append(r.url()).append('\n');
      if (!r.snippet().isBlank()) {
        sb.append("   ").append(r.snippet().strip().replaceAll("\\s+", " ")).append('\n');
      }
    }
    if (n == 0) {
      return ToolOutcome.ok("No results for: " + query);
    }
    return ToolOutcome.ok("Results for: " + query + "\n\n" + sb.toString().stripTrailing());
  }

  /** A search hit passes the tool's allowed_domains/blocked_domains (subdomains match). */
  private static boolean permitted(String url, ToolConfig config) {
    String host;
    try {
      host = WebFetch.host(new java.net.URI(url));
    } catch (java.net.URISyntaxException e) {
      return false;
    }
    if (config.blockedDomains() != null
        && config.blockedDomains().stream().anyMatch(d -> WebFetch.matches(host, d))) {
      return false;
    }
    return config.allowedDomains() == null
        || config.allowedDomains().isEmpty()
        || config.allowedDomains().stream().anyMatch(d -> WebFetch.matches(host, d));
  }
}
