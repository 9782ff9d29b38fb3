/**
 * The {@link dev.agentry.core.BlobStore} implementations: the local filesystem under the data
 * directory (the default, one node) and any S3-compatible object store (many nodes). Both address
 * content by its SHA-256 and make writes atomic; {@link dev.agentry.blob.BlobStores} picks one from
 * {@code AGENTRY_BLOB_URL}.
 */
package dev.agentry.blob;
