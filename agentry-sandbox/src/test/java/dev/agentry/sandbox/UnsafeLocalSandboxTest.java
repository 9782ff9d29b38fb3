package dev.agentry.sandbox;

import dev.agentry.core.SandboxProvider;
import dev.agentry.testkit.SandboxContract;

/** The unsafe-local provider keeps the same shell/exec contract, without any isolation. */
class UnsafeLocalSandboxTest extends SandboxContract {
  static final SandboxProvider PROVIDER = new UnsafeLocalProvider();

  @Override
  protected SandboxProvider provider() {
    return PROVIDER;
  }
}
