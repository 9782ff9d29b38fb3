package dev.agentry.server;

import dev.agentry.core.RepositoryTokens;
import dev.agentry.core.SecretBox;
import dev.agentry.core.Store;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * The tokens of sessions' repository resources, for the egress proxy: opened from their sealed
 * store only for a request to the resource's own host (and port, when the caller names one) and a
 * path within that repository, so a token never reaches another host or another repository.
 */
final class SessionRepositoryTokens implements RepositoryTokens {
  private final Store store;
  private final SecretBox box;

  SessionRepositoryTokens(Store store, SecretBox box) {
    this.store = store;
    this.box = box;
  }

  @Override
  public Optional<String> tokenFor(String sessionId, String host, String path) {
    if (sessionId == null || host == null) {
      return Optional.empty();
    }
    return store
        .sessions()
        .find(sessionId)
        .flatMap(
            s ->
                s.resources().stream()
                    .map(StoredResource::new)
                    .filter(StoredResource::isRepository)
                    .filter(r -> sameHost(r.url(), host) && RepositoryPaths.within(r.url(), path))
                    .findFirst())
        .flatMap(
            r ->
                store
                    .resourceTokens()
                    .find(sessionId, r.id())
                    .map(
                        ciphertext ->
                            box.open(ciphertext, ResourceMounts.tokenContext(sessionId, r.id()))));
  }

  /**
   * {@code host} is {@code name} or {@code name:port}; a bare name matches the repository's host on
   * any port, a name with a port only the repository's own (default ports made explicit).
   */
  static boolean sameHost(URI repository, String host) {
    String h = host.toLowerCase(Locale.ROOT);
    String authority = RepositoryPaths.authority(repository);
    String repoHost = repository.getHost().toLowerCase(Locale.ROOT);
    int colon = h.lastIndexOf(':');
    boolean hasPort = colon > 0 && !h.endsWith("]") && h.indexOf(':') == colon;
    return hasPort ? authority.equals(h) : repoHost.equals(h);
  }
}
