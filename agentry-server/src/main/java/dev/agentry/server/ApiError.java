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

  /** Fields the envelope's {@code error} object carries besides type and message (memory 409s). */
  final java.util.Map<String, String> extra;

  /**
   * What {@code error.details} carries besides {@code error_code} (a 412's {@code current_state}).
   */
  final com.fasterxml.jackson.databind.node.ObjectNode details;

  private ApiError(int status, String type, String message, String errorCode) {
    this(status, type, message, errorCode, false);
  }

  private ApiError(
      int status, String type, String message, String errorCode, boolean closeConnection) {
    this(status, type, message, errorCode, closeConnection, java.util.Map.of());
  }

  private ApiError(
      int status,
      String type,
      String message,
      String errorCode,
      boolean closeConnection,
      java.util.Map<String, String> extra) {
    this(status, type, message, errorCode, closeConnection, extra, null);
  }

  private ApiError(
      int status,
      String type,
      String message,
      String errorCode,
      boolean closeConnection,
      java.util.Map<String, String> extra,
      com.fasterxml.jackson.databind.node.ObjectNode details) {
    super(message, null, false, false);
    this.details = details;
    this.status = status;
    this.type = type;
    this.errorCode = errorCode;
    this.closeConnection = closeConnection;
    this.extra = java.util.Map.copyOf(extra);
  }

  /**
   * A 409 of the memories API, whose {@code error.type} names the conflict ({@code
   * memory_path_conflict_error}, {@code memory_precondition_failed_error}) and whose {@code error}
   * object carries {@code extra} (e.g. {@code conflicting_path}).
   */
  static ApiError memoryConflict(String type, String message, java.util.Map<String, String> extra) {
    return new ApiError(409, type, message, null, false, extra);
  }

  /** A 412: a precondition of the request no longer holds; {@code details} says what does. */
  static ApiError preconditionFailed(
      String message, String errorCode, com.fasterxml.jackson.databind.node.ObjectNode details) {
    return new ApiError(
        412, "invalid_request_error", message, errorCode, false, java.util.Map.of(), details);
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
