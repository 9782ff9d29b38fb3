package dev.agentry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
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
      List<List<JsonNode>> streams = new ArrayList<>();
      streams.add(list(main.history()));
      for (String thread : created(streams.getFirst())) {
        streams.add(list(EventFollower.thread(api, session, thread).history()));
      }
      deliver(streams, handler);
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
    List<List<JsonNode>> rest = new ArrayList<>();
    for (String thread : followers.keySet()) {
      rest.add(list(EventFollower.thread(api, session, thread).history()));
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

  /**
   * Hands over the events not handed over yet. Each stream keeps its own (log) order; the streams
   * are merged by when their events were processed, the session's first on a tie.
   */
  private void deliver(List<List<JsonNode>> streams, Handler handler)
      throws IOException, InterruptedException {
    int[] next = new int[streams.size()];
    while (true) {
      int pick = -1;
      for (int i = 0; i < streams.size(); i++) {
        if (next[i] < streams.get(i).size()
            && (pick < 0
                || at(streams.get(i).get(next[i])).compareTo(at(streams.get(pick).get(next[pick])))
                    < 0)) {
          pick = i;
        }
      }
      if (pick < 0) {
        return;
      }
      JsonNode e = streams.get(pick).get(next[pick]++);
      synchronized (lock) {
        if (seen.add(id(e)) && handler.onEvent(e, labels.line(e), true)) {
          return;
        }
      }
    }
  }

  private static String at(JsonNode e) {
    return e.path("processed_at").asText("");
  }

  private static List<JsonNode> list(Iterable<JsonNode> events) {
    List<JsonNode> out = new ArrayList<>();
    events.forEach(out::add);
    return out;
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
