package dev.agentry.webhooks;

import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;

/**
 * A webhook receiver on loopback that verifies every delivery's signature with the Standard
 * Webhooks library and records what it got; {@code status} chooses each answer.
 */
final class Receiver implements AutoCloseable {
  record Received(String id, String timestamp, String body, boolean verified) {}

  final List<Received> received = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private volatile String secret;
  private volatile IntSupplier status = () -> 200;

  Receiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          Map<String, List<String>> headers = new HashMap<>();
          exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v));
          boolean verified;
          try {
            new Webhook(secret).verify(body, headers);
            verified = true;
          } catch (Exception e) {
            verified = false;
          }
          received.add(
              new Received(
                  exchange.getRequestHeaders().getFirst("webhook-id"),
                  exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                  body,
                  verified));
          int code = status.getAsInt();
          if (code >= 300 && code < 400) {
            exchange.getResponseHeaders().add("location", "/elsewhere");
          }
          exchange.sendResponseHeaders(code, -1);
          exchange.close();
        });
    server.start();
  }

  void secret(String secret) {
    this.secret = secret;
  }

  void answer(IntSupplier status) {
    this.status = status;
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
