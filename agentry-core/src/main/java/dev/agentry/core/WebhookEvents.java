package dev.agentry.core;

/**
 * Where a change that no database trigger sees is reported to webhook endpoints (deployments and
 * their runs, for one). The changes to sessions, agents, environments, vaults and memory stores
 * reach the outbox by themselves, in the transaction that makes them.
 */
public interface WebhookEvents {
  /** Does nothing: for servers and tests without webhooks. */
  WebhookEvents NONE = event -> {};

  /**
   * Queues {@code event} in the durable outbox, to be delivered at least once to every enabled
   * endpoint of its workspace that subscribes to its type. Call it once the change has committed.
   */
  void publish(WebhookEvent event);
}
