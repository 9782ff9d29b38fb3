package dev.agentry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;

/**
 * Follows a session's events the way the API documents it: open the stream first, then list the
 * history, dedupe by event id, and reconnect with backoff (500 ms to 10 s), filling the gap from
 * the history again.
 */
final class EventFollower {
  /** Receives each event once; returns true to stop following. */
  interface Handler {
    boolean onEvent(JsonNode event, boolean fromHistory) throws IOException, InterruptedException;
  }

  /** Runs once the first stream is open (e.g. to send the message whose turn is followed). */
  interface Opened {
    void run() throws IOException, InterruptedException;
  }

  private static final JsonNode END = Json.mapper().createObjectNode().put("type", "__end");

  private final ApiClient api;
  private final boolean deltas;
  private final String streamPath;
  private final String listPath;

  EventFollower(ApiClient api, String session, boolean deltas) {
    this.api = api;
    this.deltas = deltas;
    String base = "/v1/sessions/" + URLEncoder.encode(session, StandardCharsets.UTF_8);
    this.streamPath = base + "/events/stream";
    this.listPath = base + "/events";
  }

  private EventFollower(ApiClient api, String streamPath, String listPath) {
    this.api = api;
    this.deltas = false;
    this.streamPath = streamPath;
    this.listPath = listPath;
  }

  /** Follows one thread of a multi-agent session: its own stream and its events. */
  static EventFollower thread(ApiClient api, String session, String threadId) {
    String base =
        "/v1/sessions/"
            + URLEncoder.encode(session, StandardCharsets.UTF_8)
            + "/threads/"
            + URLEncoder.encode(threadId, StandardCharsets.UTF_8);
    return new EventFollower(api, base + "/stream", base + "/events");
  }

  /**
   * Follows until the handler says stop, the stream ends with the session deleted, or {@code
   * follow} is false (history only).
   */
  void follow(boolean history, boolean follow, Opened opened, Handler handler)
      throws IOException, InterruptedException {
    Set<String> seen = new HashSet<>();
    if (!follow) {
      for (JsonNode e : history()) {
        if (handler.onEvent(e, true)) {
          return;
        }
      }
      return;
    }
    boolean first = true;
    long backoff = 500;
    while (true) {
      Stream<String> lines;
      try {
        lines = api.stream(streamPath + (deltas ? "?event_deltas%5B%5D=agent.message" : ""));
      } catch (IOException e) {
        if (first) {
          throw e;
        }
        Thread.sleep(backoff);
        backoff = Math.min(backoff * 2, 10_000);
        continue;
      }
      backoff = 500;
      BlockingQueue<JsonNode> queue = new LinkedBlockingQueue<>();
      Thread reader = Thread.ofVirtual().start(() -> read(lines, queue));
      try {
        if (first && opened != null) {
          opened.run();
        }
        if (history || !first) {
          for (JsonNode e : history()) {
            if (seen.add(e.path("id").asText()) && handler.onEvent(e, first)) {
              return;
            }
          }
        }
        first = false;
        while (true) {
          JsonNode e = queue.take();
          if (e == END) {
            break;
          }
          if (e.path("type").asText().equals("error")) {
            throw new ApiClient.ApiException(
                0, e.path("error").path("message").asText("stream error"), e.toString());
          }
          String id = e.path("id").asText("");
          if (!id.isEmpty() && !seen.add(id)) {
            continue;
          }
          if (handler.onEvent(e, false)) {
            return;
          }
          if (e.path("type").asText().equals("session.deleted")) {
            return;
          }
        }
      } finally {
        lines.close();
        reader.interrupt();
      }
      Thread.sleep(backoff);
    }
  }

  /** The whole history, oldest first. */
  Iterable<JsonNode> history() throws IOException, InterruptedException {
    java.util.List<JsonNode> all = new java.util.ArrayList<>();
    String page = null;
    do {
      JsonNode r =
          api.get(
              listPath
                  + "?limit=1000&order=asc"
                  + (page == null
                      ? ""
                      : "&page=" + URLEncoder.encode(page, StandardCharsets.UTF_8)));
      r.path("data").forEach(all::add);
      page = r.path("next_page").isTextual() ? r.path("next_page").asText() : null;
    } while (page != null && !page.isEmpty());
    return all;
  }

  /** Parses SSE frames into the queue; {@code END} when the stream ends. */
  static void read(Stream<String> lines, BlockingQueue<JsonNode> queue) {
    try {
      String event = null;
      StringBuilder data = new StringBuilder();
      Iterator<String> it = lines.iterator();
      while (it.hasNext()) {
        String line = it.next();
        if (line.isEmpty()) {
          if (!data.isEmpty()
              && (event == null || event.equals("message") || event.equals("error"))) {
            try {
              queue.add(Json.mapper().readTree(data.toString()));
            } catch (IOException e) {
              // a frame that is not JSON: skip it
            }
          }
          event = null;
          data.setLength(0);
        } else if (line.startsWith(":")) {
          continue;
        } else if (line.startsWith("event:")) {
          event = line.substring(6).strip();
        } else if (line.startsWith("data:")) {
          if (!data.isEmpty()) {
            data.append('\n');
          }
          String d = line.substring(5);
          data.append(d.startsWith(" ") ? d.substring(1) : d);
        }
      }
    } catch (RuntimeException e) {
      // the stream broke or was closed
    } finally {
      queue.add(END);
    }
  }
}
