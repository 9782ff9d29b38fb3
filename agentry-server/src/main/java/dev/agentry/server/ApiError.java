package dev.agentry.server;

/**
 * A failure the client caused or must know about, carried to the one place that renders the
 * Anthropic error envelope. {@code type} is the envelope's {@code error.type}; {@code errorCode}
 * (optional) becomes {@code error.details.error_code}.
 */
final class ApiError extends RuntimeException {
  final int status;
  final String type;
  final String errorCode;

  /** Whether the connection must close after the answer (the request's framing broke). */
  final boolean closeConnection;

  private ApiError(int status, String type, String message, String errorCode) {
    this(status, type, message, errorCode, false);
  }

  private ApiError(
      int status, String type, String message, String errorCode, boolean closeConnection) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.errorCode = errorCode;
    this.closeConnection = closeConnection;
  }

  /** A 400 for a body whose framing broke; what follows it on the connection cannot be read. */
  static ApiError unreadableBody(String message) {
    return new ApiError(400, "invalid_request_error", message, null, true);
  }

  static ApiError invalid(String message) {
    return new ApiError(400, "invalid_request_error", message, null);
  }

  static ApiError invalid(String message, String errorCode) {
    return new ApiError(400, "invalid_request_error", message, errorCode);
  }

  static ApiError conflict(String message) {
    return new ApiError(409, "invalid_request_error", message, "conflict");
  }

  static ApiError notFound(String message) {
    return new ApiError(404, "not_found_error", message, null);
  }

  static ApiError notFound(String message, String errorCode) {
    return new ApiError(404, "not_found_error", message, errorCode);
  }

  static ApiError unauthenticated(String message) {
    return new ApiError(401, "authentication_error", message, null);
  }

  static ApiError forbidden(String message) {
    return new ApiError(403, "permission_error", message, null);
  }

  static ApiError tooLarge(String message) {
    return new ApiError(413, "request_too_large", message, null);
  }

  /** A 405 for a known path; the caller sets the {@code Allow} header. */
  static ApiError methodNotAllowed(String message) {
    return new ApiError(405, "invalid_request_error", message, null);
  }

  /** An answer of the HTTP layer, typed by its status. */
  static ApiError status(int status, String message) {
    String type =
        switch (status) {
          case 404 -> "not_found_error";
          case 413 -> "request_too_large";
          case 503 -> "overloaded_error";
          default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    return new ApiError(status, type, message, null);
  }

  static ApiError unavailable(String message) {
    return new ApiError(503, "api_error", message, null);
  }

  static ApiError internal(String message) {
    return new ApiError(500, "api_error", message, null);
  }
}
