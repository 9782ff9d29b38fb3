package dev.agentry.server;

import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The envelope for what Helidon answers before any route runs: an unparseable request line or
 * header, a URI over the prologue limit, broken framing, too many concurrent requests. Without
 * these handlers those answers have an empty body, which the SDKs report as an unknown error.
 */
final class HttpLayerErrors implements DirectHandler {
  private static final Logger LOG = LoggerFactory.getLogger(HttpLayerErrors.class);

  /** What Helidon says when the reason may echo something unsafe; we say something useful. */
  private static final String HELIDON_GENERIC = "Bad request, see server log for more information";

  private final Errors errors;

  private HttpLayerErrors(Errors errors) {
    this.errors = errors;
  }

  static DirectHandlers all(Errors errors) {
    HttpLayerErrors handler = new HttpLayerErrors(errors);
    DirectHandlers.Builder b = DirectHandlers.builder();
    for (EventType type : EventType.values()) {
      b.addHandler(type, handler);
    }
    return b.build();
  }

  @Override
  public TransportResponse handle(
      TransportRequest request,
      EventType eventType,
      Status defaultStatus,
      ServerResponseHeaders responseHeaders,
      String message) {
    int code = defaultStatus.code();
    String requestId = Ids.next(IdKind.REQUEST);
    ApiError error = error(code, message, requestId);
    if (error.status >= 500) {
      LOG.warn(
          "HTTP layer answered {} {} {}: {}",
          code,
          request.method(),
          request.path(),
          message == null ? eventType : message);
    }
    byte[] body = errors.envelope(error, requestId).getBytes(StandardCharsets.UTF_8);
    responseHeaders.set(HeaderNames.CONTENT_TYPE, "application/json");
    responseHeaders.set(RequestIds.REQUEST_ID, requestId);
    return TransportResponse.builder()
        .status(error.status == code ? defaultStatus : Status.create(error.status))
        .headers(responseHeaders)
        .entity(body)
        .build();
  }

  private static ApiError error(int code, String message, String requestId) {
    String reason =
        message == null || message.isBlank() || message.equals(HELIDON_GENERIC) ? null : message;
    return switch (code) {
      case 404 -> ApiError.notFound(reason == null ? "not found" : reason);
      case 413 -> ApiError.tooLarge(reason == null ? "request too large" : reason);
      case 414 -> ApiError.status(414, "request line: the URI is too long");
      case 431 -> ApiError.status(431, "headers: too large");
      case 403 -> ApiError.forbidden(reason == null ? "forbidden" : reason);
      case 503 -> ApiError.status(503, "the server is busy; retry shortly");
      // Helidon's 501: a transfer coding other than chunked; the request's fault, not the server's.
      case 501 ->
          ApiError.invalid(
              "malformed HTTP request: " + (reason == null ? "not supported" : reason));
      // Both HTTP/1.1 and HTTP/1.0 are served (Http10Selector): another version is a bad request.
      case 505 -> ApiError.invalid("request line: only HTTP/1.1 and HTTP/1.0 are served");
      default ->
          code < 500
              ? ApiError.status(
                  code,
                  "malformed HTTP request"
                      + (reason == null
                          ? " (request line, headers or body framing)"
                          : ": " + reason))
              : ApiError.internal("internal error; see the server log for request " + requestId);
    };
  }
}
