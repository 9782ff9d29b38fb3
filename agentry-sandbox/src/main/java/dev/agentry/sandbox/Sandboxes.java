package dev.agentry.sandbox;

import dev.agentry.core.SandboxProvider;
import java.nio.file.Path;

/** Entry point: the sandbox providers this module offers. */
public final class Sandboxes {
  /**
   * The default dedicated uid/gid for sandboxed processes when the server runs as root (the server
   * reads {@code AGENTRY_SANDBOX_UID} to choose another).
   */
  public static final int DEFAULT_UID = 10001;

  private Sandboxes() {}

  /**
   * Bubblewrap sandboxes. Nothing is probed here: the first {@code provision} or {@code
   * enforcement} call checks the host, and a missing bwrap makes {@code provision} throw a {@code
   * SandboxException} that says what to install.
   */
  public static SandboxProvider bubblewrap() {
    return bubblewrap(DEFAULT_UID);
  }

  /**
   * Bubblewrap sandboxes running as {@code uid}:{@code uid} on the host when the server is root.
   */
  public static SandboxProvider bubblewrap(int uid) {
    if (uid <= 0) {
      throw new IllegalArgumentException("sandbox uid must be a positive non-root uid: " + uid);
    }
    return new BubblewrapProvider(uid, uid, Path.of("/sys/fs/cgroup"));
  }

  /**
   * Bubblewrap sandboxes whose egress proxy intercepts TLS for hosts with {@code
   * environment_variable} credentials, with the installation CA kept in {@code egressCaDir}
   * (created at first use; only sandboxes trust it).
   */
  public static SandboxProvider bubblewrap(int uid, Path egressCaDir) {
    if (uid <= 0) {
      throw new IllegalArgumentException("sandbox uid must be a positive non-root uid: " + uid);
    }
    return new BubblewrapProvider(
        uid, uid, Path.of("/sys/fs/cgroup"), new EgressProxy(EgressCa.at(egressCaDir)));
  }

  /**
   * As {@link #bubblewrap(int, Path)}, the egress proxy also adding the tokens of the sessions'
   * repository resources ({@code tokens}, read per request) to their requests to those
   * repositories, as HTTP basic credentials with the user name {@code tokenUsername} gives for the
   * host; the policies name the repositories ({@link EgressPolicy#withRepositories}).
   */
  public static SandboxProvider bubblewrap(
      int uid,
      Path egressCaDir,
      dev.agentry.core.RepositoryTokens tokens,
      java.util.function.Function<String, String> tokenUsername) {
    if (uid <= 0) {
      throw new IllegalArgumentException("sandbox uid must be a positive non-root uid: " + uid);
    }
    return new BubblewrapProvider(
        uid,
        uid,
        Path.of("/sys/fs/cgroup"),
        new EgressProxy(EgressCa.at(egressCaDir)).withRepositoryTokens(tokens, tokenUsername));
  }

  /**
   * No isolation at all: plain processes in the workspace with rlimits, a timeout and a clean
   * environment. Development only; logs a warning when created.
   */
  public static SandboxProvider unsafeLocal() {
    return new UnsafeLocalProvider();
  }
}
