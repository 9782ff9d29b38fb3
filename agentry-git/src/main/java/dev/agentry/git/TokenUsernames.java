package dev.agentry.git;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The HTTP basic user name a repository token is sent with, per host. A token travels as the
 * password; hosts differ in what user name they accept with it: GitHub and GitHub Enterprise take
 * any name for personal access tokens and want {@code x-access-token} for app installation tokens;
 * GitLab takes any name for personal, project and group access tokens but wants {@code oauth2} for
 * OAuth tokens. So the default is {@code x-access-token}, and {@code AGENTRY_GIT_TOKEN_USERNAME}
 * changes it: {@code name} for every host, or {@code host=name} entries (comma separated, a bare
 * {@code name} among them is the default), e.g. {@code gitlab.example.com=oauth2}.
 */
public final class TokenUsernames implements Function<String, String> {
  /** The user name when nothing else is configured. */
  public static final String DEFAULT = "x-access-token";

  private final String fallback;
  private final Map<String, String> byHost;

  private TokenUsernames(String fallback, Map<String, String> byHost) {
    this.fallback = fallback;
    this.byHost = byHost;
  }

  /** The default for every host. */
  public static TokenUsernames standard() {
    return new TokenUsernames(DEFAULT, Map.of());
  }

  /**
   * Parses {@code AGENTRY_GIT_TOKEN_USERNAME}; null or blank is {@link #standard()}.
   *
   * @throws IllegalArgumentException naming the variable and the bad entry
   */
  public static TokenUsernames parse(String spec) {
    if (spec == null || spec.isBlank()) {
      return standard();
    }
    String fallback = DEFAULT;
    Map<String, String> byHost = new TreeMap<>();
    for (String raw : spec.split(",")) {
      String e = raw.trim();
      if (e.isEmpty()) {
        continue;
      }
      int eq = e.indexOf('=');
      String name = eq < 0 ? e : e.substring(eq + 1).trim();
      if (!name.matches("[A-Za-z0-9._@+-]+")) {
        throw new IllegalArgumentException(
            "AGENTRY_GIT_TOKEN_USERNAME: '"
                + e
                + "' is not name or host=name (a name is letters, digits and ._@+-)");
      }
      if (eq < 0) {
        fallback = name;
      } else {
        String host = e.substring(0, eq).trim().toLowerCase(Locale.ROOT);
        if (host.isEmpty()) {
          throw new IllegalArgumentException(
              "AGENTRY_GIT_TOKEN_USERNAME: '" + e + "' has no host before '='");
        }
        byHost.put(host, name);
      }
    }
    return new TokenUsernames(fallback, Map.copyOf(byHost));
  }

  /** The user name for {@code host} (a host name, lower or upper case, without port). */
  @Override
  public String apply(String host) {
    return byHost.getOrDefault(host == null ? "" : host.toLowerCase(Locale.ROOT), fallback);
  }
}
