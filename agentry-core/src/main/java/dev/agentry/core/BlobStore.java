package dev.agentry.core;

import java.io.InputStream;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Content-addressed blob storage: uploaded files, session outputs, skill archives, workspace
 * checkpoints. A blob is named by the SHA-256 of its bytes and never changes once written.
 *
 * <p>Every implementation guarantees: a blob is readable only once all of it is stored (a put that
 * fails midway leaves nothing readable and nothing behind); putting content that is already stored
 * is a no-op returning the same ref; deleting is idempotent, so it is safe to retry. Several
 * processes (nodes) may share one store. Methods block; call them from virtual threads.
 *
 * <p>Deleting is by address, so two records that uploaded the same bytes share one blob: whoever
 * deletes must know that no record still refers to it (the Files API counts references).
 */
public interface BlobStore extends AutoCloseable {

  /**
   * Stores everything {@code content} yields, streaming (it is never held in memory whole), and
   * returns its address and size. Does not close {@code content}.
   *
   * @throws BlobException if reading {@code content} or writing the store fails; nothing is stored
   */
  BlobRef put(InputStream content);

  /**
   * The blob's bytes, streamed; the caller closes the stream.
   *
   * @throws BlobException.NotFound if no blob has {@code address}
   * @throws IllegalArgumentException if {@code address} is not a content address
   */
  InputStream open(String address);

  /** The blob's ref if it is stored. */
  Optional<BlobRef> stat(String address);

  default boolean exists(String address) {
    return stat(address).isPresent();
  }

  /** Removes the blob if it is stored; removing a missing blob does nothing. */
  void delete(String address);

  /**
   * Calls {@code each} with every stored blob whose address starts with {@code addressPrefix}
   * ({@code ""} for all), in no particular order; for sweeping unreferenced blobs.
   */
  void list(String addressPrefix, Consumer<BlobRef> each);

  /** Where the blobs live, for logs (never a credential). */
  String describe();

  @Override
  void close();
}
