package dev.agentry.core;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Clones a session's git repository resource outside the sandbox, before the agent's first tool
 * call. The token authenticates the clone only: it is never written into the checkout (no remote
 * URL or config holds it), so the sandbox never sees it.
 */
public interface RepositoryCloner {

  /**
   * Clones {@code url} into {@code dest} (which must not exist yet) and checks out {@code branch}
   * or {@code commit} (at most one is non-null; neither: the default branch). {@code token} may be
   * null for a public repository.
   *
   * @throws RepositoryException with the API's error type when the clone or checkout fails
   */
  void cloneInto(
      String url, String branch, String commit, String token, Path dest, Duration timeout);
}
