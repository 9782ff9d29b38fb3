package dev.agentry.core;

import java.time.Instant;

/**
 * An immutable record of one write to a memory. {@code operation} is {@code created}, {@code
 * modified} or {@code deleted}. A redacted version keeps who wrote it and when, but its content,
 * path, hash and size are gone (null).
 */
public record MemoryVersion(
    String id,
    String memoryId,
    String storeId,
    String operation,
    String content,
    String contentSha256,
    Integer contentSizeBytes,
    String path,
    MemoryActor createdBy,
    Instant redactedAt,
    MemoryActor redactedBy,
    Instant createdAt) {
  public static final String CREATED = "created";
  public static final String MODIFIED = "modified";
  public static final String DELETED = "deleted";
}
