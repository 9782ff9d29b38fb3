package dev.agentry.core;

import java.time.Instant;

/**
 * An event as the log holds it: {@code seq} is the 1-based position in its session's log, without
 * gaps. {@code processedAt} is null while a user event is queued.
 */
public record StoredEvent(
    String sessionId,
    long seq,
    String id,
    String type,
    String payload,
    Instant createdAt,
    Instant processedAt) {

  /**
   * The event as the API shows it: the payload's fields plus id, type, processed_at, created_at.
   */
  public String toJson() {
    StringBuilder sb = new StringBuilder(payload.length() + 160);
    sb.append("{\"type\":\"")
        .append(type)
        .append("\",\"id\":\"")
        .append(id)
        .append("\",\"processed_at\":");
    if (processedAt == null && queueable(type)) {
      sb.append("null");
    } else if (processedAt == null) {
      // A message queued for a thread (docs/decisions/0033): only user events show as queued;
      // the SDKs read processed_at of every other event as a timestamp.
      sb.append('"').append(Timestamps.format(createdAt)).append('"');
    } else {
      sb.append('"').append(Timestamps.format(processedAt)).append('"');
    }
    sb.append(",\"created_at\":\"").append(Timestamps.format(createdAt)).append('"');
    String body = payload.substring(1).trim();
    if (!body.equals("}")) {
      sb.append(',');
    }
    return sb.append(body).toString();
  }

  /**
   * Whether events of {@code type} wait in the session's queue until the harness takes them: the
   * client's {@code user.*} events and {@code system.message} (docs/decisions/0042).
   */
  public static boolean queueable(String type) {
    return type.startsWith("user.") || type.equals("system.message");
  }

  public StoredEvent withProcessedAt(Instant at) {
    return new StoredEvent(sessionId, seq, id, type, payload, createdAt, at);
  }
}
