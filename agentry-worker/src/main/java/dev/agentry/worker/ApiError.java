package dev.agentry.worker;

/**
 * An HTTP error from the server, with the status and the Anthropic envelope's {@code error.type}
 * and message; a status of 0 means the request did not get an answer (connection refused, reset,
 * timed out).
 */
final class ApiError extends WorkerException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;

  ApiError(int status, String type, String message) {
    super(status == 0 ? message : status + " " + type + ": " + message);
    this.status = status;
    this.type = type;
  }

  static ApiError unreachable(String what, Exception cause) {
    String detail = cause.getMessage() == null ? "" : ": " + cause.getMessage();
    ApiError e =
        new ApiError(
            0,
            "connection_error",
            what
                + ": no answer from the server ("
                + cause.getClass().getSimpleName()
                + detail
                + ")");
    e.initCause(cause);
    return e;
  }

  int status() {
    return status;
  }

  String type() {
    return type;
  }

  /**
   * A 4xx that asking again will not fix; 408, 409 and 429 are worth another try (as the SDK's
   * {@code isFatal4xx}).
   */
  boolean fatal() {
    return status >= 400 && status < 500 && status != 408 && status != 409 && status != 429;
  }

  boolean refusedCredential() {
    return status == 401 || status == 403;
  }
}
