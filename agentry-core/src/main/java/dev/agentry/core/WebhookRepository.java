package dev.agentry.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Webhook endpoints, the outbox of changes to report and the deliveries owed. Database triggers
 * fill the outbox in the transactions that make the changes; {@link #fanOut} turns outbox rows into
 * deliveries and {@link #claim} hands due deliveries to one node at a time.
 */
public interface WebhookRepository extends WebhookEvents {
  /** The most endpoints a workspace may register. */
  int MAX_ENDPOINTS = 100;

  /**
   * @param sealedSecret the signing secret, sealed with the endpoint's id as context
   * @throws StoreException.Conflict if the workspace has {@link #MAX_ENDPOINTS} already
   */
  WebhookEndpoint create(WebhookEndpoint endpoint, byte[] sealedSecret);

  Optional<WebhookEndpoint> find(String workspaceId, String id);

  /** The endpoint, whichever workspace it is in (for the dispatcher). */
  Optional<WebhookEndpoint> find(String id);

  /** The workspace's endpoints, oldest first. */
  List<WebhookEndpoint> list(String workspaceId);

  /**
   * Rewrites the endpoint's url, types, description and enabled state; re-enabling clears its
   * failure count.
   *
   * @throws StoreException.NotFound if there is no such endpoint
   */
  WebhookEndpoint update(String id, UnaryOperator<WebhookEndpoint> change);

  /** Deletes the endpoint and the deliveries it is owed. */
  boolean delete(String id);

  /** The endpoint's sealed signing secret. */
  Optional<byte[]> sealedSecret(String id);

  /** Every endpoint's sealed signing secret, by endpoint id (for a master key rotation). */
  Map<String, byte[]> sealedSecrets();

  /**
   * Replaces the endpoint's sealed signing secret (a master key rotation).
   *
   * @throws StoreException.NotFound if there is no such endpoint
   */
  void reseal(String id, byte[] sealedSecret);

  /**
   * Whether a poll could have anything to do: an endpoint is enabled or an outbox row waits. When
   * neither holds, {@link #fanOut} and {@link #claim} would both find nothing (a delivery is
   * claimed only for an enabled endpoint). One read.
   */
  boolean anythingToDeliver();

  /**
   * Moves up to {@code max} outbox rows, oldest first, into deliveries for the enabled endpoints of
   * their workspace that want their type (a row no endpoint wants is dropped), all in one
   * transaction; returns how many rows it moved.
   *
   * @param render the delivery body of an event, given the id assigned to it
   */
  int fanOut(int max, Instant now, Renderer render);

  /**
   * Claims up to {@code max} due deliveries of enabled endpoints: each gets one more attempt and is
   * hidden from other claims until {@code now + hold}, so a node that dies holding it only delays
   * it. On PostgreSQL rows other nodes hold are skipped, not waited for.
   */
  List<WebhookDelivery> claim(int max, Instant now, Duration hold);

  /** The endpoint answered 2xx: the delivery is done and the endpoint's failure count reset. */
  void succeeded(WebhookDelivery delivery);

  /**
   * The attempt failed: the delivery is tried again at {@code retryAt} (or dropped if null) and the
   * endpoint's failure count grows; it is disabled at {@link
   * WebhookEndpoint#MAX_CONSECUTIVE_FAILURES}.
   *
   * @return the endpoint as it is now
   */
  Optional<WebhookEndpoint> failed(
      WebhookDelivery delivery, String error, Instant retryAt, Instant now);

  /** Disables the endpoint at once, for {@code reason}. */
  void disable(String id, String reason, Instant now);

  /** Deliveries still owed to the endpoint (for tests and listings). */
  int pending(String id);

  /** Makes a delivery body from an event and the id it was assigned. */
  @FunctionalInterface
  interface Renderer {
    String render(String eventId, WebhookEvent event);
  }
}
