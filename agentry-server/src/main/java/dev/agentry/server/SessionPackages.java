package dev.agentry.server;

import dev.agentry.core.EnvironmentConfig;
import dev.agentry.core.SandboxMount;
import dev.agentry.core.Store;
import dev.agentry.sandbox.PackageLayers;
import java.util.List;

/**
 * The package layer of a session's sandbox: its environment's {@code config.packages}, read when
 * the sandbox starts (so a changed list applies to the next sandbox, as environment updates do),
 * built on this node by the first sandbox that needs it.
 */
final class SessionPackages {
  private final Store store;
  private final PackageLayers layers;

  SessionPackages(Store store, PackageLayers layers) {
    this.store = store;
    this.layers = layers;
  }

  /** The layer's mount, or none when the environment has no packages (or the session is gone). */
  List<SandboxMount> forSandbox(String sessionId) {
    return store
        .sessions()
        .find(sessionId)
        .flatMap(s -> store.environments().find(s.environmentId()))
        .filter(e -> e.config() instanceof EnvironmentConfig.Cloud)
        .flatMap(e -> layers.mountFor(((EnvironmentConfig.Cloud) e.config()).packages()))
        .map(List::of)
        .orElse(List.of());
  }
}
