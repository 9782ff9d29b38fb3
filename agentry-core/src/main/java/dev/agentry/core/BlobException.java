package dev.agentry.core;

/**
 * The root of every failure a {@link BlobStore} reports (an unreadable disk, an unreachable object
 * store, a failed upload); the message never contains a credential.
 */
public class BlobException extends RuntimeException {
  public BlobException(String message) {
    super(message);
  }

  public BlobException(String message, Throwable cause) {
    super(message, cause);
  }

  /** No blob has this address (never written, or deleted). */
  public static final class NotFound extends BlobException {
    public NotFound(String address) {
      super("no blob with address " + address);
    }
  }
}
