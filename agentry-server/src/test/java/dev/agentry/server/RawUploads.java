package dev.agentry.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Multipart requests the SDKs would not send (malformed, chunked), written by hand. */
final class RawUploads {
  static final String BOUNDARY = "agentry-test-boundary-7f3a";
  static final String FORM_TYPE = "multipart/form-data; boundary=" + BOUNDARY;

  private RawUploads() {}

  static HttpResponse<String> post(TestServer server, String contentType, byte[] body) {
    return send(server, contentType, HttpRequest.BodyPublishers.ofByteArray(body));
  }

  /** Sent with chunked framing, so the server does not know the length up front. */
  static HttpResponse<String> chunked(TestServer server, byte[] body) {
    return send(
        server,
        FORM_TYPE,
        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
  }

  private static HttpResponse<String> send(
      TestServer server, String contentType, HttpRequest.BodyPublisher body) {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/files"))
            .POST(body)
            .header("content-type", contentType)
            .header("x-api-key", TestServer.KEY)
            .header("anthropic-beta", "files-api-2025-04-14")
            .build();
    try {
      return server.http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
