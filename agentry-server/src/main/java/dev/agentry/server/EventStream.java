package dev.agentry.server;

import dev.agentry.core.EventStore;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.Timestamps;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SSE connection to a session's log. Every event goes out as {@code event: message} (the only
 * frame name all official SDKs accept), heartbeats as {@code event: ping}. With a resume position
 * (the {@code Last-Event-ID} extension) it first replays the log after that position, then goes
 * live; events are deduplicated by {@code seq}, so the switch loses and repeats nothing.
 */
final class EventStream {
  private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);
  private static final int REPLAY_CHUNK = 500;

  /** At most this many queued frames go out in one write and flush. */
  private static final int MAX_COALESCED = 256;

  /** Frames are collected here and reach the socket (one HTTP chunk) only on flush. */
  private static final int WRITE_BUFFER_BYTES = 16 * 1024;

  private static final byte[] PING =
      "event: ping\ndata: {\"type\":\"ping\"}\n\n".getBytes(StandardCharsets.UTF_8);

  private final EventStore events;
  private final StreamHub hub;
  private final Duration heartbeat;
  private final Clock clock;

  EventStream(EventStore events, StreamHub hub, Duration heartbeat, Clock clock) {
    this.events = events;
    this.hub = hub;
    this.heartbeat = heartbeat;
    this.clock = clock;
  }

  /**
   * Streams until the client goes away, the session is deleted, or the server stops.
   *
   * @param resumeAfter the last {@code seq} the client has, or -1 for live events only
   * @param previews the event types ({@code agent.message}, {@code agent.thinking}) to preview live
   */
  void run(String sessionId, long resumeAfter, Set<String> previews, ServerResponse res) {
    run(sessionId, resumeAfter, new StreamHub.Connection(previews), res);
  }

  /**
   * Streams what {@code shown} shows of the session's log (a thread's stream, or the session's).
   */
  void run(String sessionId, long resumeAfter, StreamHub.Connection shown, ServerResponse res) {
    StreamHub.Connection conn = hub.open(sessionId, shown);
    try {
      res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
      res.header(HeaderNames.CACHE_CONTROL, "no-cache");
      res.header("X-Accel-Buffering", "no");
      try (OutputStream out = new BufferedOutputStream(res.outputStream(), WRITE_BUFFER_BYTES)) {
        ping(out);
        out.flush();
        long lastSent = resumeAfter >= 0 ? catchUp(sessionId, conn, resumeAfter, out) : -1;
        loop(sessionId, conn, out, lastSent);
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      LOG.debug("stream of {} closed by the client: {}", sessionId, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      hub.close(sessionId, conn);
    }
  }

  private void loop(String sessionId, StreamHub.Connection conn, OutputStream out, long lastSent)
      throws IOException, InterruptedException {
    while (true) {
      if (conn.takeLagging()) {
        lastSent = catchUp(sessionId, conn, Math.max(lastSent, 0), out);
      }
      StreamHub.Signal signal = conn.poll(heartbeat.toMillis());
      if (signal == null) {
        ping(out);
        out.flush();
        continue;
      }
      // Whatever else is queued already goes out in the same write and flush: a connection that
      // fell a little behind catches up in one system call instead of one per event.
      int frames = 0;
      do {
        switch (signal) {
          case StreamHub.Event e -> {
            if (e.event().seq() > lastSent) {
              out.write(e.frame());
              lastSent = e.event().seq();
            }
          }
          case StreamHub.Preview p -> frame(out, "message", p.json());
          case StreamHub.Deleted d -> {
            frame(out, "message", deletedEvent());
            out.flush();
            return;
          }
          case StreamHub.Shutdown s -> {
            out.flush();
            return;
          }
        }
      } while (++frames < MAX_COALESCED && (signal = conn.pollNow()) != null);
      out.flush();
    }
  }

  /** Sends everything after {@code afterSeq} from the log; returns the last seq sent. */
  private long catchUp(String sessionId, StreamHub.Connection conn, long afterSeq, OutputStream out)
      throws IOException {
    long last = afterSeq;
    while (true) {
      List<StoredEvent> batch = events.readAfter(sessionId, last, REPLAY_CHUNK);
      for (StoredEvent e : batch) {
        if (conn.shows(e)) {
          out.write(StreamHub.Event.frame(e));
        }
        last = e.seq();
      }
      out.flush();
      if (batch.size() < REPLAY_CHUNK) {
        return last;
      }
    }
  }

  private String deletedEvent() {
    return "{\"type\":\"session.deleted\",\"id\":\""
        + Ids.next(IdKind.EVENT)
        + "\",\"processed_at\":\""
        + Timestamps.format(clock.instant())
        + "\"}";
  }

  private static void ping(OutputStream out) throws IOException {
    out.write(PING);
  }

  /** Writes one frame; the caller flushes. */
  private static void frame(OutputStream out, String name, String data) throws IOException {
    out.write(("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
  }
}
