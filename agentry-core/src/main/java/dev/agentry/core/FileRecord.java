package dev.agentry.core;

import java.time.Instant;

/**
 * A file of the Files API: metadata plus the content address of its bytes in the {@link BlobStore}.
 * {@code expiresAt} is null for files that never expire; {@code scopeSessionId} is the session
 * whose outputs it is, or null for an upload.
 */
public record FileRecord(
    String id,
    String filename,
    String mimeType,
    long sizeBytes,
    String blobAddress,
    boolean downloadable,
    Instant createdAt,
    Instant expiresAt,
    String scopeSessionId) {}
