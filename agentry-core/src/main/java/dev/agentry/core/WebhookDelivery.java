package dev.agentry.core;

/**
 * One event owed to one endpoint: the body to send (fixed when the event was fanned out, so every
 * retry carries the same event id and bytes) and how many attempts have been claimed so far, this
 * one included.
 */
public record WebhookDelivery(String eventId, String endpointId, String payload, int attempts) {}
