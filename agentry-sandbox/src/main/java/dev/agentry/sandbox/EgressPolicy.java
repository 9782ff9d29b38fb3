package dev.agentry.sandbox;

import dev.agentry.core.EnvironmentConfig;
import java.net.URI;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What one sandbox may reach through the {@link EgressProxy}. {@code limited} allows only the named
 * hosts (a bare {@code host} allows ports 80 and 443, {@code host:port} allows that port too);
 * {@code unrestricted} allows any public host on 80/443. In both modes raw IP literals and names
 * resolving to loopback, private, link-local or other non-public addresses are refused unless the
 * literal or name is named explicitly in the allowlist.
 *
 * @param unrestricted any public host on ports 80/443
 * @param allowedHosts explicitly allowed {@code host} or {@code host:port} entries, lower case
 * @param credentials the session's {@code environment_variable} credentials: the sandbox gets their
 *     placeholders, the proxy substitutes the secrets for the hosts each is bound to (never shown
 *     by {@link #toString()})
 * @param repositoryOrigins the origins ({@code https://host[:port]}, {@code http://host:port}) of
 *     the session's repository resources: each is reachable whatever the networking says (a
 *     repository resource implies its host), but only at public addresses unless {@code
 *     allowedHosts} also names it; the proxy adds the repository's token to requests there
 */
public record EgressPolicy(
    boolean unrestricted,
    Set<String> allowedHosts,
    List<EgressCredential> credentials,
    Set<String> repositoryOrigins) {

  /** Everything refused: the default when an environment says nothing about networking. */
  public static final EgressPolicy DENY_ALL = new EgressPolicy(false, Set.of());

  /** The registries {@code allow_package_managers} opens: apt, pip, npm, cargo, gem, go. */
  public static final List<String> PACKAGE_REGISTRIES =
      List.of(
          "deb.debian.org",
          "security.debian.org",
          "pypi.org",
          "files.pythonhosted.org",
          "registry.npmjs.org",
          "crates.io",
          "static.crates.io",
          "index.crates.io",
          "rubygems.org",
          "proxy.golang.org",
          "sum.golang.org");

  public EgressPolicy {
    Set<String> norm = new LinkedHashSet<>();
    for (String h : allowedHosts) {
      String n = normalizeEntry(h);
      if (!n.isEmpty()) {
        norm.add(n);
      }
    }
    allowedHosts = Set.copyOf(norm);
    credentials = credentials == null ? List.of() : List.copyOf(credentials);
    Set<String> origins = new LinkedHashSet<>();
    for (String o : repositoryOrigins == null ? Set.<String>of() : repositoryOrigins) {
      origins.add(origin(o));
    }
    repositoryOrigins = Set.copyOf(origins);
  }

  /** A policy without repositories. */
  public EgressPolicy(
      boolean unrestricted, Set<String> allowedHosts, List<EgressCredential> credentials) {
    this(unrestricted, allowedHosts, credentials, Set.of());
  }

  /** A policy without credentials. */
  public EgressPolicy(boolean unrestricted, Set<String> allowedHosts) {
    this(unrestricted, allowedHosts, List.of());
  }

  /** This policy with {@code creds} as the session's environment-variable credentials. */
  public EgressPolicy withCredentials(List<EgressCredential> creds) {
    return new EgressPolicy(unrestricted, allowedHosts, creds, repositoryOrigins);
  }

  /**
   * This policy with the repositories at {@code urls} (the session's {@code github_repository}
   * URLs): their origins become reachable (public addresses only) and get the repositories' tokens.
   * {@code operatorHosts} ({@code AGENTRY_GIT_ALLOWED_HOSTS}) are the hosts the operator allowed at
   * private addresses too: a repository on one of them is also named in the allowlist.
   *
   * @throws IllegalArgumentException for a URL that is not {@code http(s)://host...}
   */
  public EgressPolicy withRepositories(Collection<String> urls, Collection<String> operatorHosts) {
    Set<String> origins = new LinkedHashSet<>(repositoryOrigins);
    Set<String> hosts = new LinkedHashSet<>(allowedHosts);
    Set<String> operator = new LinkedHashSet<>();
    for (String h : operatorHosts) {
      operator.add(normalizeEntry(h));
    }
    for (String url : urls) {
      String o = origin(url);
      origins.add(o);
      URI u = URI.create(o);
      String hostPort = normalizeHost(u.getHost()) + ":" + u.getPort();
      if (operator.contains(normalizeHost(u.getHost())) || operator.contains(hostPort)) {
        hosts.add(hostPort);
      }
    }
    return new EgressPolicy(unrestricted, hosts, credentials, origins);
  }

  /** Whether {@code scheme://host:port} is the origin of one of the session's repositories. */
  boolean repositoryOrigin(String scheme, String host, int port) {
    return repositoryOrigins.contains(scheme + "://" + host + ":" + port);
  }

  private boolean repositoryHost(String host, int port) {
    return repositoryOrigin("https", host, port) || repositoryOrigin("http", host, port);
  }

  /**
   * {@code scheme://host:port} of a repository URL, lower case, the port explicit.
   *
   * @throws IllegalArgumentException when it is not an http(s) URL with a host
   */
  static String origin(String url) {
    URI u;
    try {
      u = new URI(url.trim());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("not a repository URL: " + url);
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("https") || scheme.equals("http")) || u.getHost() == null) {
      throw new IllegalArgumentException("not an http(s) repository URL: " + url);
    }
    int port = u.getPort() > 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
    return scheme + "://" + normalizeHost(u.getHost()) + ":" + port;
  }

  /** The credentials bound to {@code host} on {@code port} (whose secrets may be sent there). */
  List<EgressCredential> credentialsFor(String host, int port) {
    return credentials.stream().filter(c -> c.boundTo(host, port)).toList();
  }

  /** Only {@code hosts} (each {@code host} or {@code host:port}). */
  public static EgressPolicy limited(Collection<String> hosts) {
    return new EgressPolicy(false, Set.copyOf(hosts));
  }

  /** Any public host on 80/443, plus {@code explicit} entries (which may name private targets). */
  public static EgressPolicy unrestricted(Collection<String> explicit) {
    return new EgressPolicy(true, Set.copyOf(explicit));
  }

  /**
   * The policy of an environment's networking: {@code null} (not configured) is {@link #DENY_ALL};
   * {@code mcpServerUrls} are the agent's MCP server URLs, opened by {@code allow_mcp_servers}.
   */
  public static EgressPolicy of(
      EnvironmentConfig.Networking networking, Collection<String> mcpServerUrls) {
    if (networking instanceof EnvironmentConfig.Networking.Unrestricted) {
      return unrestricted(List.of());
    }
    if (!(networking instanceof EnvironmentConfig.Networking.Limited l)) {
      return DENY_ALL;
    }
    Set<String> hosts = new LinkedHashSet<>(l.allowedHosts());
    if (l.allowPackageManagers()) {
      hosts.addAll(PACKAGE_REGISTRIES);
    }
    if (l.allowMcpServers()) {
      for (String url : mcpServerUrls) {
        hostOf(url).ifPresent(hosts::add);
      }
    }
    return new EgressPolicy(false, hosts);
  }

  /** True when nothing at all can pass. */
  public boolean deniesAll() {
    return !unrestricted && allowedHosts.isEmpty() && repositoryOrigins.isEmpty();
  }

  /** Whether {@code host} (normalized) on {@code port} is named in the allowlist. */
  boolean names(String host, int port) {
    return allowedHosts.contains(host + ":" + port)
        || ((port == 80 || port == 443) && allowedHosts.contains(host));
  }

  /** Whether {@code host} is named in the allowlist with any port. */
  private boolean namesHost(String host) {
    if (allowedHosts.contains(host)) {
      return true;
    }
    for (String e : allowedHosts) {
      if (e.startsWith(host + ":") && e.lastIndexOf(':') == host.length()) {
        return true;
      }
    }
    return false;
  }

  /**
   * The decision before resolving: {@code null} when the target may be resolved and connected to
   * (subject to the address check), else the reason it is refused.
   */
  String refusal(String host, int port) {
    if (host.isEmpty()) {
      return "no host";
    }
    if (port < 1 || port > 65535) {
      return "bad port " + port;
    }
    boolean named = names(host, port);
    if (named || repositoryHost(host, port)) {
      return null; // a repository's host: its address is still checked (public unless named)
    }
    if (isIpLiteral(host)) {
      return "raw IP addresses are not allowed; use a host name from allowed_hosts";
    }
    if (port != 80 && port != 443) {
      return namesHost(host) || unrestricted
          ? "port "
              + port
              + " is not allowed for "
              + host
              + " (only 80 and 443 unless allowed_hosts names "
              + host
              + ":"
              + port
              + ")"
          : host + " is not in allowed_hosts";
    }
    if (unrestricted) {
      return null;
    }
    return deniesAll()
        ? "this environment allows no network access (networking is limited with no"
            + " allowed_hosts)"
        : host + " is not in allowed_hosts";
  }

  /** True for IPv4 (also numeric/hex forms a resolver might accept) and IPv6 literals. */
  static boolean isIpLiteral(String host) {
    if (host.indexOf(':') >= 0) {
      return true;
    }
    int dot = host.lastIndexOf('.');
    String last = host.substring(dot + 1);
    if (last.isEmpty()) {
      return false;
    }
    // The last label of a real DNS name is never all digits; 0x-hex forms count as numeric too.
    return last.chars().allMatch(Character::isDigit) || last.matches("0[xX][0-9a-fA-F]*");
  }

  /** Lower case, no trailing dot, no IPv6 brackets. */
  static String normalizeHost(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    while (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h;
  }

  private static String normalizeEntry(String entry) {
    String e = entry.trim().toLowerCase(Locale.ROOT);
    if (e.contains("://")) {
      return hostOf(e).orElse("");
    }
    int colon = e.lastIndexOf(':');
    if (colon > 0 && e.indexOf(':') == colon && e.substring(colon + 1).matches("[0-9]{1,5}")) {
      return normalizeHost(e.substring(0, colon)) + e.substring(colon);
    }
    if (e.startsWith("[") && e.contains("]:")) {
      int end = e.indexOf("]:");
      return normalizeHost(e.substring(0, end + 1)) + e.substring(end + 1);
    }
    return normalizeHost(e);
  }

  private static java.util.Optional<String> hostOf(String url) {
    try {
      URI u = URI.create(url.trim());
      if (u.getHost() == null) {
        return java.util.Optional.empty();
      }
      String h = normalizeHost(u.getHost());
      int port = u.getPort();
      return java.util.Optional.of(port < 0 || port == 80 || port == 443 ? h : h + ":" + port);
    } catch (IllegalArgumentException e) {
      return java.util.Optional.empty();
    }
  }
}
