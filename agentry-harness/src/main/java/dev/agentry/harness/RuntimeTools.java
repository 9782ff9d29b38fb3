package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.Cancellation;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolOutcome;
import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

/**
 * The built-in tools the runtime runs itself, in the harness process: {@code web_fetch} and {@code
 * web_search} (every other tool goes to the sandbox). They read their settings (domains, {@code
 * max_content_tokens}, {@code url_sources}) from the session's agent.
 */
final class RuntimeTools {
  static final String SEARCH_NOT_CONFIGURED =
      "web_search is not configured on this server (set AGENTRY_WEB_SEARCH_URL)";
  static final int MAX_SEARCH_RESULTS = 10;

  private final RuntimeToolSettings settings;
  private final WebFetch fetch;

  RuntimeTools(RuntimeToolSettings settings) {
    this.settings = settings;
    this.fetch = new WebFetch(settings);
  }

  static boolean runs(String name) {
    return name.equals("web_fetch") || name.equals("web_search");
  }

  /**
   * Runs web tool {@code name} for a session of {@code agent}; {@code log} (the session's log) is
   * read only when a {@code url_sources} rule has to look at where a URL came from.
   */
  ToolOutcome execute(
      AgentSpec agent,
      Supplier<List<StoredEvent>> log,
      String name,
      JsonNode input,
      Cancellation c) {
    ToolConfig config = Permissions.config(agent, name).orElse(null);
    if (config == null || !config.enabled()) {
      return ToolOutcome.error(name + " is not enabled for this agent");
    }
    return name.equals("web_fetch")
        ? fetch(log, input.path("url").asText(""), config, c)
        : search(input.path("query").asText(""), config);
  }

  private ToolOutcome fetch(
      Supplier<List<StoredEvent>> log, String url, ToolConfig config, Cancellation c) {
    UrlSources sources = UrlSources.of(config.urlSources());
    if (sources.restricts()) {
      var refusal = sources.refusal(url, log.get());
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
