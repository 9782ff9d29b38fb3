package dev.agentry.sandbox;

import dev.agentry.core.RepositoryTokens;
import dev.agentry.sandbox.EgressProxy.Listener;
import dev.agentry.sandbox.EgressProxy.Target;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds a repository resource's token to a sandbox's request for that repository: {@code
 * Authorization: Basic base64(user:token)}, replacing any {@code Authorization} the sandbox sent.
 * Only for a request whose origin (scheme, host and port) is one of the session's repository
 * origins, and only when {@link RepositoryTokens} has a token for the session, the host and the
 * path; the token is read per request, so a rotation applies to the next one. An {@code https}
 * repository's token never goes out over plain HTTP: the origins differ.
 */
final class RepositoryAuthorization {
  private static final Logger LOG = LoggerFactory.getLogger(EgressProxy.class);

  private final RepositoryTokens tokens;
  private final Function<String, String> usernames;

  RepositoryAuthorization(RepositoryTokens tokens, Function<String, String> usernames) {
    this.tokens = tokens;
    this.usernames = usernames;
  }

  /** Whether {@code CONNECT t} must be intercepted to authorize requests inside it. */
  boolean intercepts(Listener l, Target t) {
    return l.policy.repositoryOrigin("https", t.host(), t.port());
  }

  /** {@code headers} with the repository's token, if the request is for one of its repositories. */
  List<String[]> apply(Listener l, Target t, boolean tls, String path, List<String[]> headers) {
    if (!l.policy.repositoryOrigin(tls ? "https" : "http", t.host(), t.port())) {
      return headers;
    }
    int q = path.indexOf('?');
    String p = q < 0 ? path : path.substring(0, q);
    if (!RepositoryTokens.plainPath(p)) {
      LOG.info(
          "egress session={} target={} no repository token: the path {} has dot segments or"
              + " encoded separators (the upstream could resolve it outside the repository)",
          l.session(),
          t,
          p);
      return headers;
    }
    // host:port (default ports too) so that the store matches the repository's own port; an
    // IPv6 literal goes bare (its colons would be read as a port)
    String host = t.host().indexOf(':') >= 0 ? t.host() : t.host() + ":" + t.port();
    Optional<String> token = tokens.tokenFor(l.session(), host, p);
    if (token.isEmpty()) {
      return headers;
    }
    String pair = usernames.apply(t.host()) + ":" + token.get();
    List<String[]> out = new ArrayList<>(headers.size() + 1);
    boolean replaced = false;
    for (String[] h : headers) {
      if (h[0].equalsIgnoreCase("authorization")) {
        replaced = true;
      } else {
        out.add(h);
      }
    }
    out.add(
        new String[] {
          "Authorization",
          "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8))
        });
    LOG.info(
        "egress session={} target={} repository token added for {}{}",
        l.session(),
        t,
        p,
        replaced ? " (the sandbox's own Authorization header dropped)" : "");
    return out;
  }
}
