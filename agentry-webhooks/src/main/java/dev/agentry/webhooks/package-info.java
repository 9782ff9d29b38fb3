/**
 * Webhook delivery: endpoints' targets checked ({@link dev.agentry.webhooks.WebhookTargets}), the
 * outbox fanned out and the deliveries claimed, signed per Standard Webhooks and retried with
 * backoff ({@link dev.agentry.webhooks.WebhookDispatcher}).
 */
package dev.agentry.webhooks;
