package dev.agentry.git;

import dev.agentry.core.RepositoryCloner;
import dev.agentry.core.RepositoryException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Function;
import org.eclipse.jgit.api.CloneCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clones with JGit. The token reaches JGit only through a {@link CredentialsProvider}, which JGit
 * asks when the server answers 401: it is never part of the URL, so neither {@code .git/config}
 * ({@code remote.origin.url} is the URL as given) nor any log line or error message holds it. Only
 * {@code http} and {@code https} URLs without user info are cloned: JGit would also read {@code
 * file://} URLs and plain paths, which would copy a host directory into the sandbox.
 */
final class JGitCloner implements RepositoryCloner {
  private static final Logger LOG = LoggerFactory.getLogger(JGitCloner.class);

  private final Function<String, String> username;
  private final Clock clock;

  JGitCloner(Function<String, String> username, Clock clock) {
    this.username = username;
    this.clock = clock;
  }

  @Override
  public void cloneInto(
      String url, String branch, String commit, String token, Path dest, Duration timeout) {
    URI uri = checkedUrl(url);
    if (branch != null && commit != null) {
      throw new IllegalArgumentException("checkout is a branch or a commit, not both");
    }
    if (Files.exists(dest)) {
      throw new IllegalArgumentException("clone destination already exists: " + dest);
    }
    Instant deadline = clock.instant().plus(timeout);
    ClonePhases progress = new ClonePhases(url, clock, deadline);
    LOG.info("clone of {} into {} started (timeout {} s)", url, dest, timeout.toSeconds());
    boolean done = false;
    try {
      CloneCommand clone =
          Git.cloneRepository()
              .setURI(url)
              .setDirectory(dest.toFile())
              .setNoCheckout(true)
              .setProgressMonitor(progress)
              .setTimeout((int) Math.max(1, timeout.toSeconds()));
      if (token != null && !token.isEmpty()) {
        clone.setCredentialsProvider(
            new UsernamePasswordCredentialsProvider(username.apply(uri.getHost()), token));
      }
      try (Git git = clone.call()) {
        checkout(git, url, branch, commit);
      }
      done = true;
      LOG.info("clone of {} into {} done", url, dest);
    } catch (GitAPIException | IOException | RuntimeException e) {
      throw failure(e, url, timeout, progress.timedOut());
    } finally {
      if (!done) {
        deleteTree(dest);
      }
    }
  }

  private static URI checkedUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (java.net.URISyntaxException | NullPointerException e) {
      throw new RepositoryException("repository_clone_error", "not a repository URL: " + url);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
      throw new RepositoryException(
          "repository_clone_error", "only http(s) repository URLs are cloned: " + url);
    }
    if (uri.getRawUserInfo() != null) {
      // A URL with credentials would be written to .git/config and seen by the sandbox.
      throw new RepositoryException(
          "repository_clone_error",
          "the repository URL must not hold credentials (use authorization_token)");
    }
    return uri;
  }

  /** Checks out the branch (tracking origin's), the commit (detached), or the default branch. */
  private static void checkout(Git git, String url, String branch, String commit)
      throws GitAPIException, IOException {
    Repository repo = git.getRepository();
    if (commit != null) {
      ObjectId id = resolveCommit(repo, commit);
      if (id == null) {
        throw new RepositoryException(
            "repository_checkout_error", "commit " + commit + " is not in " + url);
      }
      git.checkout().setName(id.name()).call();
      return;
    }
    if (branch != null) {
      Ref remote = repo.exactRef("refs/remotes/origin/" + branch);
      if (remote == null) {
        throw new RepositoryException(
            "repository_checkout_error", "branch " + branch + " is not in " + url);
      }
      if (repo.exactRef("refs/heads/" + branch) == null) {
        git.branchCreate()
            .setName(branch)
            .setStartPoint("origin/" + branch)
            .setUpstreamMode(org.eclipse.jgit.api.CreateBranchCommand.SetupUpstreamMode.TRACK)
            .call();
      }
      git.checkout().setName(branch).call();
      return;
    }
    Ref head = repo.exactRef("HEAD");
    if (head == null || head.getObjectId() == null) {
      return; // an empty repository: nothing to check out
    }
    git.checkout()
        .setName(head.isSymbolic() ? Repository.shortenRefName(head.getTarget().getName()) : "HEAD")
        .call();
  }

  private static ObjectId resolveCommit(Repository repo, String sha) throws IOException {
    if (!sha.matches("[0-9a-fA-F]{4,64}")) {
      return null;
    }
    try (RevWalk walk = new RevWalk(repo)) {
      ObjectId id = repo.resolve(sha + "^{commit}");
      return id == null ? null : walk.parseCommit(id).getId();
    } catch (org.eclipse.jgit.errors.RevisionSyntaxException
        | org.eclipse.jgit.errors.AmbiguousObjectException
        | org.eclipse.jgit.errors.MissingObjectException
        | org.eclipse.jgit.errors.IncorrectObjectTypeException e) {
      return null; // not a commit the clone brought
    }
  }

  /** The API's error for a failed clone; messages name the URL, never the token. */
  static RepositoryException failure(Exception e, String url, Duration timeout, boolean timedOut) {
    if (e instanceof RepositoryException r) {
      return r;
    }
    if (timedOut) {
      return new RepositoryException(
          "repository_clone_error",
          "the clone of " + url + " did not finish within " + timeout.toSeconds() + " s");
    }
    String all = messages(e);
    String type;
    String what;
    if (has(e, org.eclipse.jgit.errors.NoRemoteRepositoryException.class)
        || all.contains("not found")) {
      type = "repository_not_found_error";
      what = "repository " + url + " not found (or the token cannot see it)";
    } else if (all.contains("not authorized")
        || all.contains("authentication is required")
        || all.contains("authentication not supported")) {
      type = "repository_authentication_error";
      what = "the repository host refused the credentials for " + url;
    } else if (all.contains("not permitted") || all.contains("403")) {
      type = "repository_forbidden_error";
      what = "the token may not read " + url;
    } else if (all.contains("timeout") || all.contains("timed out")) {
      type = "repository_clone_error";
      what = "the clone of " + url + " timed out";
    } else {
      type = "repository_clone_error";
      what = "the clone of " + url + " failed";
    }
    LOG.warn("clone of {} failed ({}): {}", url, type, all);
    return new RepositoryException(type, what + ": " + firstMessage(e));
  }

  private static boolean has(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static String messages(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      sb.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append("; ");
    }
    return sb.toString().toLowerCase(Locale.ROOT);
  }

  private static String firstMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getMessage() == null) {
      t = t.getCause();
    }
    return String.valueOf(t.getMessage());
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  LOG.warn("cannot remove {} of a failed clone: {}", p, e.toString());
                }
              });
    } catch (IOException e) {
      LOG.warn("cannot remove the failed clone {}: {}", dir, e.toString());
    }
  }
}
