package dev.agentry.server;

import dev.agentry.core.AgentRepository;
import dev.agentry.core.ApiKeyRepository;
import dev.agentry.core.EnvironmentRepository;
import dev.agentry.core.EventStore;
import dev.agentry.core.SessionRepository;
import dev.agentry.core.Store;
import dev.agentry.core.VaultRepository;
import dev.agentry.core.WorkspaceRepository;

/**
 * The same store, except that every event appended goes through {@link MeteredEventStore}, which
 * counts it by type for {@code /metrics}.
 */
final class MeteredStore implements Store {
  private final Store delegate;
  private final EventStore events;

  MeteredStore(Store delegate, Metrics metrics) {
    this.delegate = delegate;
    this.events = new MeteredEventStore(delegate.events(), metrics);
  }

  @Override
  public AgentRepository agents() {
    return delegate.agents();
  }

  @Override
  public EnvironmentRepository environments() {
    return delegate.environments();
  }

  @Override
  public SessionRepository sessions() {
    return delegate.sessions();
  }

  @Override
  public EventStore events() {
    return events;
  }

  @Override
  public VaultRepository vaults() {
    return delegate.vaults();
  }

  @Override
  public ApiKeyRepository apiKeys() {
    return delegate.apiKeys();
  }

  @Override
  public WorkspaceRepository workspaces() {
    return delegate.workspaces();
  }

  @Override
  public void ping() {
    delegate.ping();
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
