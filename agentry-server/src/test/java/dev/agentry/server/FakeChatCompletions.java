package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentry.core.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * An OpenAI-compatible Chat Completions endpoint on loopback that records each request body and
 * streams the same one-word answer to every request.
 */
final class FakeChatCompletions implements AutoCloseable {
  private final HttpServer server;
  final List<JsonNode> bodies = new CopyOnWriteArrayList<>();

  private FakeChatCompletions(HttpServer server) {
    this.server = server;
  }

  static FakeChatCompletions start() {
    try {
      HttpServer s =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      FakeChatCompletions fake = new FakeChatCompletions(s);
      s.createContext("/v1/chat/completions", fake::handle);
      s.start();
      return fake;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      bodies.add(Json.mapper().readTree(ex.getRequestBody().readAllBytes()));
      ex.getResponseHeaders().set("content-type", "text/event-stream");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      for (String d :
          List.of(
              chunk("{\"role\":\"assistant\",\"content\":\"oui\"}", null),
              chunk("{}", "stop"),
              "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                  + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":1}}",
              "[DONE]")) {
        out.write(("data: " + d + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    }
  }

  private static String chunk(String delta, String finish) {
    return "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
        + "\"choices\":[{\"index\":0,\"delta\":"
        + delta
        + ",\"finish_reason\":"
        + (finish == null ? "null" : "\"" + finish + "\"")
        + "}]}";
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
