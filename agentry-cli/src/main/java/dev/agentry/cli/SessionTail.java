package dev.agentry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What {@code agentry tail} follows: the session's stream and, in a multi-agent session, the own
 * stream of every thread it creates (a member's tool calls and messages are only there). Each event
 * is handed over once, whichever stream brought it, with its line labelled by thread.
 */
final class SessionTail {
  /** Receives each event once with its line; returns true to stop (session stream only). */
  interface Handler {
    boolean onEvent(JsonNode event, String line, boolean fromHistory)
        throws IOException, InterruptedException;
  }

  private final ApiClient api;
  private final String session;
  private final ThreadLabels labels = new ThreadLabels();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final Map<String, Thread> followers = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private volatile boolean stopped;

  SessionTail(ApiClient api, String session) {
    this.api = api;
    this.session = session;
  }

  /** Follows until the handler says stop or the session is deleted; or prints the history. */
  void run(boolean follow, Handler handler) throws IOException, InterruptedException {
    EventFollower main = new EventFollower(api, session, false);
    if (!follow) {
      List<JsonNode> all = new ArrayList<>();
      main.history().forEach(all::add);
      for (String thread : created(all)) {
        EventFollower.thread(api, session, thread).history().forEach(all::add);
      }
      deliver(all, handler);
      return;
    }
    try {
      main.follow(
          true,
          true,
          null,
          (e, fromHistory) -> {
            synchronized (lock) {
              if (!seen.add(id(e))) {
                return false;
              }
              if (e.path("type").asText().equals("session.thread_created")) {
                followThread(e.path("session_thread_id").asText(), handler);
              }
              return handler.onEvent(e, labels.line(e), fromHistory);
            }
          });
    } finally {
      stopped = true;
      followers.values().forEach(Thread::interrupt);
    }
    // What a thread's stream had not brought yet when the session's said stop.
    List<JsonNode> rest = new ArrayList<>();
    for (String thread : followers.keySet()) {
      EventFollower.thread(api, session, thread).history().forEach(rest::add);
    }
    deliver(rest, handler);
  }

  private void followThread(String thread, Handler handler) {
    if (thread.isEmpty() || stopped) {
      return;
    }
    followers.computeIfAbsent(
        thread,
        t ->
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        EventFollower.thread(api, session, t)
                            .follow(
                                true,
                                true,
                                null,
                                (e, fromHistory) -> {
                                  synchronized (lock) {
                                    if (!stopped && seen.add(id(e))) {
                                      handler.onEvent(e, labels.line(e), fromHistory);
                                    }
                                    return stopped;
                                  }
                                });
                      } catch (IOException | RuntimeException e) {
                        // the thread's stream is gone (archived, or the tail stopped): its events
                        // still reach the history read when the tail ends
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }));
  }

  /** Hands over the events not handed over yet, in the order they were processed. */
  private void deliver(List<JsonNode> events, Handler handler)
      throws IOException, InterruptedException {
    List<JsonNode> sorted = new ArrayList<>(events);
    sorted.sort(Comparator.comparing(e -> e.path("processed_at").asText("")));
    for (JsonNode e : sorted) {
      synchronized (lock) {
        if (seen.add(id(e)) && handler.onEvent(e, labels.line(e), true)) {
          return;
        }
      }
    }
  }

  /** The threads that {@code events} say were created, in order. */
  private static List<String> created(List<JsonNode> events) {
    return events.stream()
        .filter(e -> e.path("type").asText().equals("session.thread_created"))
        .map(e -> e.path("session_thread_id").asText())
        .filter(t -> !t.isEmpty())
        .distinct()
        .toList();
  }

  private static String id(JsonNode e) {
    return e.path("id").asText("");
  }
}
