package dev.agentry.core;

/** The root of every failure a store reports; the message never contains a secret. */
public class StoreException extends RuntimeException {
  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** An optimistic-concurrency or uniqueness check failed; the caller may re-read and retry. */
  public static final class Conflict extends StoreException {
    public Conflict(String message) {
      super(message);
    }
  }

  /** The object the write targets does not exist (or was deleted while the write was in flight). */
  public static final class NotFound extends StoreException {
    public NotFound(String message) {
      super(message);
    }
  }

  /** An append carried a fencing token older than the session's current lease. */
  public static final class StaleFence extends StoreException {
    public StaleFence(String message) {
      super(message);
    }
  }

  /**
   * The database could not be reached (refused, cut, timed out): weather, not a bug. A write that
   * failed so may or may not have committed; the caller waits and retries, or answers 503.
   */
  public static final class Unavailable extends StoreException {
    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
