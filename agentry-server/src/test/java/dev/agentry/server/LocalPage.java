package dev.agentry.server;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A web server on 127.0.0.1 that answers every path with one page and records what was asked. */
final class LocalPage implements AutoCloseable {
  final List<String> served = new CopyOnWriteArrayList<>();
  private final HttpServer server;

  LocalPage(String contentType, String body) {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    server.createContext(
        "/",
        ex -> {
          served.add(ex.getRequestURI().getPath());
          ex.getResponseHeaders().add("Content-Type", contentType);
          ex.sendResponseHeaders(200, bytes.length);
          ex.getResponseBody().write(bytes);
          ex.close();
        });
    server.start();
  }

  /** {@code http://127.0.0.1:PORT}, without a trailing slash. */
  String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
