package dev.agentry.server;

import dev.agentry.core.RepositoryTokens;
import java.net.URI;
import java.util.Locale;

/** A repository URL's parts that mount paths and token scoping need. */
final class RepositoryPaths {
  private RepositoryPaths() {}

  /** The URL's path without a trailing slash or {@code .git}: {@code /owner/repo}; may be "". */
  static String repoPath(URI uri) {
    String p = uri.getPath() == null ? "" : uri.getPath();
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (p.endsWith(".git")) {
      p = p.substring(0, p.length() - 4);
    }
    return p;
  }

  /** The repository's name, its path's last segment: {@code /workspace/<name>} by default. */
  static String name(URI uri) {
    String p = repoPath(uri);
    return p.substring(p.lastIndexOf('/') + 1);
  }

  /** {@code host:port} with the scheme's default port made explicit, lower case. */
  static String authority(URI uri) {
    int port = uri.getPort();
    if (port == -1) {
      port = "http".equalsIgnoreCase(uri.getScheme()) ? 80 : 443;
    }
    return uri.getHost().toLowerCase(Locale.ROOT) + ":" + port;
  }

  /**
   * Whether a request path on the repository's host is within the repository: the repository
   * itself, with or without {@code .git}, or anything under it ({@code /info/refs}, {@code
   * /git-upload-pack}, ...).
   */
  static boolean within(URI repository, String requestPath) {
    String base = repoPath(repository);
    String p = requestPath == null ? "" : requestPath;
    int q = p.indexOf('?');
    if (q >= 0) {
      p = p.substring(0, q);
    }
    // A dot segment or an encoded separator could resolve, upstream, outside the repository.
    if (!RepositoryTokens.plainPath(p)) {
      return false;
    }
    return p.equals(base)
        || p.startsWith(base + "/")
        || p.equals(base + ".git")
        || p.startsWith(base + ".git/");
  }
}
