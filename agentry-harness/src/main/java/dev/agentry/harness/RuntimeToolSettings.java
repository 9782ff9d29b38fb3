package dev.agentry.harness;

import java.time.Duration;

/**
 * Settings of the tools the runtime itself evaluates or runs: the {@code auto} permission policy
 * and {@code web_fetch}/{@code web_search}.
 *
 * @param auto the auto policy with the operator's deny list ({@code AGENTRY_AUTO_DENY})
 * @param search the web_search backend, or null when none is configured ({@code
 *     AGENTRY_WEB_SEARCH_URL})
 * @param webTimeout connect and whole-response timeout of each web request (default 20 s)
 * @param webMaxBytes largest response body web_fetch reads (default 5 MiB)
 */
public record RuntimeToolSettings(
    AutoPolicy auto, SearchProvider search, Duration webTimeout, int webMaxBytes) {

  public RuntimeToolSettings {
    if (auto == null) {
      throw new IllegalArgumentException("runtime tools: auto policy must be set");
    }
    if (webTimeout == null || webTimeout.isNegative() || webTimeout.isZero()) {
      throw new IllegalArgumentException("runtime tools: webTimeout must be > 0");
    }
    if (webMaxBytes < 1024) {
      throw new IllegalArgumentException("runtime tools: webMaxBytes must be >= 1024");
    }
  }

  public static RuntimeToolSettings defaults() {
    return new RuntimeToolSettings(AutoPolicy.none(), null, Duration.ofSeconds(20), 5 << 20);
  }
}
