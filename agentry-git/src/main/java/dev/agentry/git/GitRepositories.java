package dev.agentry.git;

import dev.agentry.core.RepositoryCloner;
import java.time.Clock;
import java.util.function.Function;

/** Entry point: the repository cloner this module offers. */
public final class GitRepositories {
  private GitRepositories() {}

  /**
   * A cloner over JGit that sends a resource's token as the HTTP basic password of {@code
   * username.apply(host)} (see {@link TokenUsernames}), and measures its timeout with {@code
   * clock}.
   */
  public static RepositoryCloner cloner(Function<String, String> username, Clock clock) {
    return new JGitCloner(username, clock);
  }
}
