package dev.agentry.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Json;
import dev.agentry.core.Redactor;
import dev.agentry.core.StoreException;
import dev.agentry.harness.EventsRefused;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpException;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place failures become the Anthropic error envelope, whose message passes the server's
 * {@link Redactor} (a message may quote input that holds a secret).
 */
final class Errors {
  private static final Logger LOG = LoggerFactory.getLogger(Errors.class);

  private final Redactor redactor;

  Errors(Redactor redactor) {
    this.redactor = redactor;
  }

  void register(HttpRouting.Builder r) {
    r.error(ApiError.class, (req, res, e) -> send(req, res, e));
    r.error(
        EventsRefused.class,
        (req, res, e) ->
            send(
                req,
                res,
                e.reason() == EventsRefused.Reason.SESSION_NOT_FOUND
                    ? ApiError.notFound(e.getMessage())
                    : ApiError.invalid(e.getMessage(), e.errorCode().orElse(null))));
    r.error(
        StoreException.NotFound.class,
        (req, res, e) -> send(req, res, ApiError.notFound(e.getMessage())));
    r.error(
        StoreException.Conflict.class,
        (req, res, e) -> send(req, res, ApiError.conflict(e.getMessage())));
    // An outage is weather: the official SDKs retry a 503 (after retry-after), and it is logged
    // once a request, briefly, rather than as a failure with its stack.
    r.error(
        StoreException.Unavailable.class,
        (req, res, e) -> {
          LOG.warn(
              "database unreachable on {} {}: {}",
              req.prologue().method().text(),
              req.path().path(),
              e.getMessage());
          res.header(RETRY_AFTER, RETRY_AFTER_SECONDS);
          send(req, res, ApiError.unavailable("the database is unavailable; retry shortly"));
        });
    r.error(
        StoreException.class,
        (req, res, e) -> {
          LOG.error("store failure on {} {}", req.prologue().method().text(), req.path().path(), e);
          send(req, res, ApiError.unavailable("the database is unavailable; retry shortly"));
        });
    // Helidon answers conditional requests of the console's files (If-None-Match) by throwing a
    // 304, and malformed ones with a 4xx: those are answers, not failures.
    r.error(
        HttpException.class,
        (req, res, e) -> {
          int code = e.status().code();
          if (code < 400) {
            res.status(e.status());
            res.send();
          } else if (code == 404) {
            send(req, res, ApiError.notFound("no such file: " + req.path().path()));
          } else if (code < 500) {
            send(req, res, ApiError.invalid(e.getMessage()));
          } else {
            failed(req, res, e);
          }
        });
    r.error(Exception.class, this::failed);
  }

  private void failed(ServerRequest req, ServerResponse res, Exception e) {
    LOG.error("unexpected failure on {} {}", req.prologue().method().text(), req.path().path(), e);
    send(
        req,
        res,
        ApiError.internal("internal error; see the server log for request " + requestId(res)));
  }

  /**
   * The official SDKs retry a 409 unless told not to; a conflict (a stale version, a busy session)
   * does not resolve itself by sending the same request again.
   */
  static final HeaderName RETRY_AFTER = HeaderNames.create("retry-after");

  /** When a client should try again while the database is unreachable. */
  static final String RETRY_AFTER_SECONDS = "1";

  static final HeaderName SHOULD_RETRY = HeaderNames.create("x-should-retry");

  void send(ServerRequest req, ServerResponse res, ApiError e) {
    if (res.isSent()) {
      return;
    }
    res.status(e.status);
    if (e.status == 409) {
      res.header(SHOULD_RETRY, "false");
    }
    if (e.closeConnection) {
      res.header(HeaderValues.CONNECTION_CLOSE);
    }
    res.header(HeaderNames.CONTENT_TYPE, "application/json");
    res.send(envelope(e, requestId(res)).getBytes(StandardCharsets.UTF_8));
  }

  String envelope(ApiError e, String requestId) {
    ObjectNode root = Json.mapper().createObjectNode().put("type", "error");
    ObjectNode error =
        root.putObject("error").put("type", e.type).put("message", redactor.redact(e.getMessage()));
    e.extra.forEach(error::put);
    if (e.errorCode != null) {
      ObjectNode details = error.putObject("details").put("error_code", e.errorCode);
      if (e.details != null) {
        details.setAll(e.details.deepCopy());
      }
    }
    root.put("request_id", requestId);
    return root.toString();
  }

  static String requestId(ServerResponse res) {
    return res.headers().first(RequestIds.REQUEST_ID).orElse("");
  }
}
