package dev.agentry.worker;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One open SSE connection to a session's events. A virtual thread reads the frames into a queue, so
 * the item's loop can wait for the next event with a bound; a closed or failed connection shows as
 * {@link Closed} from {@link #next}.
 */
final class EventStream implements AutoCloseable {
  private static final JsonNode END = WorkApi.JSON.createObjectNode().put("type", "__end");

  private final InputStream body;
  private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
  private volatile String failure;

  EventStream(InputStream body) {
    this.body = body;
    Thread.ofVirtual().name("worker-stream").start(this::read);
  }

  /** The stream ended: the server closed it or it broke. */
  static final class Closed extends WorkerException {
    private static final long serialVersionUID = 1L;

    Closed(String message) {
      super(message);
    }
  }

  /** The next event, or empty if none came within {@code timeoutMillis}. */
  Optional<JsonNode> next(long timeoutMillis) throws InterruptedException {
    JsonNode e = events.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    if (e == END) {
      events.add(END); // later calls see the end too
      throw new Closed(failure == null ? "the event stream ended" : failure);
    }
    return Optional.ofNullable(e);
  }

  private void read() {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String event = null;
      StringBuilder data = new StringBuilder();
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.isEmpty()) {
          dispatch(event, data);
          event = null;
          data.setLength(0);
        } else if (line.startsWith("event:")) {
          event = line.substring(6).strip();
        } else if (line.startsWith("data:")) {
          data.append(data.isEmpty() ? "" : "\n").append(line.substring(5).stripLeading());
        }
      }
    } catch (IOException | RuntimeException e) {
      failure = "the event stream broke: " + e.getMessage();
    } finally {
      events.add(END);
    }
  }

  private void dispatch(String event, StringBuilder data) throws IOException {
    if (data.isEmpty() || "ping".equals(event)) {
      return;
    }
    JsonNode json = WorkApi.JSON.readTree(data.toString());
    if ("error".equals(event)) {
      failure = "the event stream sent an error: " + json.path("error").path("message").asText();
      throw new IOException(failure);
    }
    events.add(json);
  }

  @Override
  public void close() {
    try {
      body.close();
    } catch (IOException e) {
      // closing a connection we are done with: nothing to do about it
    }
  }
}
