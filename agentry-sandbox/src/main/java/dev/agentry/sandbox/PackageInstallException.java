package dev.agentry.sandbox;

import dev.agentry.core.SandboxException;

/**
 * An environment's packages could not be installed: the session's tool call fails and the session
 * gets a {@code session.error} that names the package manager, the package and what the manager
 * said. A subclass because the tool router branches on it (a plain sandbox failure is only a tool
 * error).
 */
public final class PackageInstallException extends SandboxException {
  private static final long serialVersionUID = 1L;

  private final String manager;
  private final String packageName;
  private final String detail;

  /**
   * @param manager {@code apt}, {@code cargo}, {@code gem}, {@code go}, {@code npm} or {@code pip}
   * @param packageName the package that failed, or the manager's whole list when the output does
   *     not say which one
   * @param detail the end of the manager's output, or why it could not run
   */
  public PackageInstallException(String manager, String packageName, String detail) {
    super(
        "installing the environment's "
            + manager
            + " package "
            + packageName
            + " failed: "
            + detail);
    this.manager = manager;
    this.packageName = packageName;
    this.detail = detail;
  }

  public String manager() {
    return manager;
  }

  public String packageName() {
    return packageName;
  }

  public String detail() {
    return detail;
  }
}
