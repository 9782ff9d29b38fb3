package dev.agentry.worker;

/** The root of what the worker throws. */
public class WorkerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public WorkerException(String message) {
    super(message);
  }

  public WorkerException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The server refused the environment key (401 or 403): polling cannot go on, and the worker stops
   * with this message rather than retry.
   */
  public static final class KeyRefused extends WorkerException {
    private static final long serialVersionUID = 1L;

    KeyRefused(String message) {
      super(message);
    }
  }
}
