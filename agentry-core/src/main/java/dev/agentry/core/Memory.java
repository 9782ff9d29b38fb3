package dev.agentry.core;

import java.time.Instant;

/**
 * One memory: a text document at a {@code path} in a store. {@code content} is null when it was
 * read without it (a basic listing); {@code versionId} is the version that wrote the content.
 */
public record Memory(
    String id,
    String storeId,
    String path,
    String content,
    String contentSha256,
    int contentSizeBytes,
    String versionId,
    Instant createdAt,
    Instant updatedAt) {

  /** This memory without its content. */
  public Memory basic() {
    return new Memory(
        id, storeId, path, null, contentSha256, contentSizeBytes, versionId, createdAt, updatedAt);
  }
}
