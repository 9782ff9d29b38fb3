package dev.agentry.server;

import dev.agentry.core.RepositoryCloner;
import dev.agentry.core.RepositoryException;
import dev.agentry.sandbox.EgressAddresses;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which repository URLs a session may clone: {@code https://} to a public address, or, for a host
 * the operator allowed with {@code AGENTRY_GIT_ALLOWED_HOSTS} ({@code host[:port]}, comma
 * separated; self-hosted git servers often live on private networks), {@code https://} or {@code
 * http://} to any address. Credentials never ride in the URL: the token is its own field.
 */
final class RepositoryUrls {
  static final String ALLOWED_HOSTS_KEY = "AGENTRY_GIT_ALLOWED_HOSTS";
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\]");

  /** An allowed host, with the only port allowed on it, or -1 for any. */
  private record Allowed(String host, int port) {}

  private final List<Allowed> allowed;

  private RepositoryUrls(List<Allowed> allowed) {
    this.allowed = List.copyOf(allowed);
  }

  static final RepositoryUrls PUBLIC_ONLY = new RepositoryUrls(List.of());

  /**
   * @throws IllegalArgumentException naming the key and the entry when one is not {@code
   *     host[:port]}
   */
  static RepositoryUrls parse(String value) {
    if (value == null || value.isBlank()) {
      return PUBLIC_ONLY;
    }
    List<Allowed> out = new ArrayList<>();
    for (String raw : value.split(",")) {
      String entry = raw.trim();
      if (entry.isEmpty()) {
        continue;
      }
      int colon = entry.lastIndexOf(':');
      String host = entry;
      int port = -1;
      if (colon > 0 && !entry.endsWith("]")) {
        host = entry.substring(0, colon);
        try {
          port = Integer.parseInt(entry.substring(colon + 1));
        } catch (NumberFormatException e) {
          port = 0;
        }
        if (port < 1 || port > 65535) {
          throw new IllegalArgumentException(
              ALLOWED_HOSTS_KEY + " entry '" + entry + "' has a port that is not 1-65535");
        }
      }
      if (!HOST.matcher(host).matches()) {
        throw new IllegalArgumentException(
            ALLOWED_HOSTS_KEY + " entry '" + entry + "' is not host or host:port");
      }
      out.add(new Allowed(host.toLowerCase(Locale.ROOT), port));
    }
    return new RepositoryUrls(out);
  }

  /**
   * The URL, checked; {@code path} names the field in errors.
   *
   * @throws ApiError a 400 naming {@code path} and the rule the URL broke
   */
  URI check(String url, String path) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw ApiError.invalid(path + ": is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost();
    if (!uri.isAbsolute() || host == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw ApiError.invalid(path + ": must be an https:// URL of a git repository");
    }
    if (uri.getRawUserInfo() != null) {
      throw ApiError.invalid(
          path + ": must not carry credentials; pass the token as authorization_token");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw ApiError.invalid(path + ": must not have a query or a fragment");
    }
    if (RepositoryPaths.repoPath(uri).isEmpty()) {
      throw ApiError.invalid(path + ": must name a repository (a path such as /owner/repo)");
    }
    int port = uri.getPort() == -1 ? (scheme.equals("https") ? 443 : 80) : uri.getPort();
    if (isAllowed(host, port)) {
      return uri;
    }
    if (!scheme.equals("https")) {
      throw ApiError.invalid(
          path
              + ": must be https:// (http:// only for a host allowed by the operator's "
              + ALLOWED_HOSTS_KEY
              + ")");
    }
    if (!isPublic(host)) {
      throw ApiError.invalid(
          path
              + ": points at a private, loopback or link-local address; the operator may allow"
              + " its host with "
              + ALLOWED_HOSTS_KEY);
    }
    return uri;
  }

  /**
   * {@code cloner}, checking each URL's addresses again right before it clones: a name checked when
   * the resource was created may resolve elsewhere since (DNS rebinding), and the clone connects
   * from the server itself.
   */
  RepositoryCloner guarding(RepositoryCloner cloner) {
    return (url, branch, commit, token, dest, timeout) -> {
      URI uri = URI.create(url);
      int port =
          uri.getPort() == -1
              ? ("https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80)
              : uri.getPort();
      if (!isAllowed(uri.getHost(), port) && !isPublic(uri.getHost())) {
        throw new RepositoryException(
            "repository_clone_error",
            uri.getHost()
                + " now resolves to a private, loopback or link-local address; not cloned");
      }
      cloner.cloneInto(url, branch, commit, token, dest, timeout);
    };
  }

  private boolean isAllowed(String host, int port) {
    String h = host.toLowerCase(Locale.ROOT);
    for (Allowed a : allowed) {
      if (a.host.equals(h) && (a.port == -1 || a.port == port)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether every address of {@code host} is public, by the egress proxy's rule. A name that does
   * not resolve here is let through: the clone then fails with its own error. {@link #guarding}
   * checks again right before each clone.
   */
  private static boolean isPublic(String host) {
    InetAddress[] all;
    try {
      all = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      return true;
    }
    for (InetAddress a : all) {
      if (!EgressAddresses.isPublic(a)) {
        return false;
      }
    }
    return true;
  }
}
