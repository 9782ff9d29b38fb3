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

  private ApiError(int status, String type, String message, String errorCode) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.errorCode = errorCode;
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

  static ApiError unauthenticated(String message) {
    return new ApiError(401, "authentication_error", message, null);
  }

  static ApiError forbidden(String message) {
    return new ApiError(403, "permission_error", message, null);
  }

  static ApiError tooLarge(String message) {
    return new ApiError(413, "request_too_large", message, null);
  }

  static ApiError unavailable(String message) {
    return new ApiError(503, "api_error", message, null);
  }

  static ApiError internal(String message) {
    return new ApiError(500, "api_error", message, null);
  }
}
