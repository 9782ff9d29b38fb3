package dev.agentry.testkit;

import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;

/**
 * A webhook receiver on loopback that verifies every delivery's signature with the Standard
 * Webhooks library (as a user's receiver would) and records each request and the status it was
 * answered with; {@link #answer} chooses the statuses, {@link #secret} the signing secret.
 */
public final class WebhookReceiver implements AutoCloseable {
  /** One request as it arrived, whether its signature verified, and what it was answered. */
  public record Received(
      String path,
      String id,
      String timestamp,
      String signature,
      String body,
      boolean verified,
      int answeredWith) {
    public boolean delivered() {
      return answeredWith >= 200 && answeredWith < 300;
    }
  }

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private volatile String secret;
  private volatile IntSupplier status = () -> 200;

  private WebhookReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          Map<String, List<String>> headers = new HashMap<>();
          exchange
              .getRequestHeaders()
              .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
          boolean verified;
          try {
            new Webhook(secret).verify(body, headers);
            verified = true;
          } catch (Exception e) {
            verified = false;
          }
          int code = status.getAsInt();
          received.add(
              new Received(
                  exchange.getRequestURI().getPath(),
                  exchange.getRequestHeaders().getFirst("webhook-id"),
                  exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                  exchange.getRequestHeaders().getFirst("webhook-signature"),
                  body,
                  verified,
                  code));
          if (code >= 300 && code < 400) {
            exchange.getResponseHeaders().add("location", "/elsewhere");
          }
          exchange.sendResponseHeaders(code, -1);
          exchange.close();
        });
    server.start();
  }

  public static WebhookReceiver start() {
    try {
      return new WebhookReceiver();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The secret signatures are verified with ({@code whsec_…}). */
  public void secret(String secret) {
    this.secret = secret;
  }

  /** Chooses the status of each answer from now on. */
  public void answer(IntSupplier status) {
    this.status = status;
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
