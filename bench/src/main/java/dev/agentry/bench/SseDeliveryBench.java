package dev.agentry.bench;

import dev.agentry.core.Cancellation;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
import dev.agentry.server.AgentryServer;
import dev.agentry.server.ServerConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * End-to-end delivery through the real server (SQLite store in a temporary directory): {@code
 * subscribers} clients hold {@code GET /v1/sessions/{id}/events/stream} open on one session, and a
 * paced sender posts {@code events} single-event {@code user.message} requests. For every (event,
 * subscriber) pair the latency is from just before the sender starts the POST to the moment the
 * subscriber has read the event's {@code data:} line; the POST's own latency (request to 200, which
 * includes the durable append) is reported separately. The first {@code min(500, events / 4)}
 * events are a warm-up and are not counted. Client and server share the machine.
 *
 * <p>Cross-node mode: two servers (two nodes) on one throwaway PostgreSQL database; the events are
 * sent to node A and the subscribers stream from node B, so each event reaches B by A's {@code
 * NOTIFY} and B's read of the log (ADR 0034). The commit on A lies between the POST's start and its
 * 200, so delivery is also reported from the 200 (0 where the event reached the subscriber first):
 * the two rows bound the commit-to-receipt latency from above and below.
 */
final class SseDeliveryBench {
  private static final String KEY = BenchApi.KEY;
  private static final String MARK = "bench#";

  private final int subscribers;
  private final int events;
  private final int ratePerSecond;
  private final int senders;
  private final int warmup;
  private final boolean socketClient;
  private final boolean crossNode;
  private final PrintStream out;

  /**
   * @param socketClient subscribers read with {@link SocketSseLines} (a plain socket per
   *     subscriber) instead of the JDK {@code HttpClient}'s {@code BodyHandlers.ofLines()}
   */
  SseDeliveryBench(
      int subscribers, int events, int ratePerSecond, boolean socketClient, PrintStream out) {
    this(subscribers, events, ratePerSecond, socketClient, false, out);
  }

  /**
   * @param crossNode send to one node and stream from another, on one PostgreSQL database
   */
  SseDeliveryBench(
      int subscribers,
      int events,
      int ratePerSecond,
      boolean socketClient,
      boolean crossNode,
      PrintStream out) {
    this.crossNode = crossNode;
    this.subscribers = subscribers;
    this.socketClient = socketClient;
    this.events = events;
    this.ratePerSecond = ratePerSecond;
    this.senders = 16;
    this.warmup = Math.min(500, events / 4);
    this.out = out;
  }

  void run() throws Exception {
    if (crossNode) {
      runCrossNode();
      return;
    }
    Path dir = TempDirs.create("agentry-bench-sse-");
    try (AgentryServer server = start(dir, null)) {
      HttpClient http = client();
      String base = "http://127.0.0.1:" + server.port();
      String session = BenchApi.newSession(http, base);
      measure(http, server.port(), base, base, session);
    } finally {
      TempDirs.delete(dir);
    }
  }

  private void runCrossNode() throws Exception {
    Path dirA = TempDirs.create("agentry-bench-sse-a-");
    Path dirB = TempDirs.create("agentry-bench-sse-b-");
    try (ThrowawayPostgres pg = new ThrowawayPostgres();
        AgentryServer a = start(dirA, pg.jdbcUrl());
        AgentryServer b = start(dirB, pg.jdbcUrl())) {
      out.println();
      out.println("Cross-node SSE on " + pg.describeServer());
      HttpClient http = client();
      String baseA = "http://127.0.0.1:" + a.port();
      String baseB = "http://127.0.0.1:" + b.port();
      String session = BenchApi.newSession(http, baseA);
      measure(http, b.port(), baseB, baseA, session);
    } finally {
      TempDirs.delete(dirA);
      TempDirs.delete(dirB);
    }
  }

  /**
   * A server on SQLite in {@code dir}, or on {@code databaseUrl}. The model never answers: the
   * first message starts a turn that waits, the rest queue behind it, so the stream carries the
   * sent events (plus the turn's first two) and the benchmark measures fan-out, not the agent loop.
   */
  private static AgentryServer start(Path dir, String databaseUrl) {
    ServerConfig.Builder config =
        ServerConfig.builder(Map.of())
            .port(0)
            .dataDir(dir)
            .apiKey(KEY)
            .heartbeat(Duration.ofSeconds(5));
    if (databaseUrl != null) {
      config.databaseUrl(databaseUrl);
    }
    return AgentryServer.start(
        config.build(),
        Clock.systemUTC(),
        new PrintStream(OutputStream.nullOutputStream()),
        SseDeliveryBench::neverAnswers);
  }

  /** HTTP/1.1: one connection per subscriber, as SSE clients have in practice. */
  private static HttpClient client() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  /** Streams from {@code streamBase} (on {@code port}) while sending to {@code sendBase}. */
  private void measure(
      HttpClient http, int port, String streamBase, String sendBase, String session)
      throws Exception {
    int total = warmup + events;
    AtomicLongArray sentAt = new AtomicLongArray(total);
    AtomicLongArray ackedAt = new AtomicLongArray(total);
    AtomicLongArray receivedAt = new AtomicLongArray(total * subscribers);
    CountDownLatch connected = new CountDownLatch(subscribers);
    CountDownLatch finished = new CountDownLatch(subscribers);
    List<Histogram> delivery = new ArrayList<>();
    AtomicInteger received = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<AutoCloseable> streams = java.util.Collections.synchronizedList(new ArrayList<>());
    String streamPath = "/v1/sessions/" + session + "/events/stream";
    HttpRequest streamRequest =
        HttpRequest.newBuilder(
                URI.create(streamBase + "/v1/sessions/" + session + "/events/stream"))
            .header("x-api-key", KEY)
            .header("accept", "text/event-stream")
            .GET()
            .build();
    for (int s = 0; s < subscribers; s++) {
      Histogram h = Latency.histogram();
      delivery.add(h);
      int subscriber = s;
      Thread.ofVirtual()
          .name("subscriber-" + s)
          .start(
              () -> {
                boolean pinged = false;
                int got = 0;
                try {
                  Lines lines;
                  if (socketClient) {
                    SocketSseLines socket = new SocketSseLines("127.0.0.1", port, streamPath, KEY);
                    streams.add(socket);
                    lines = socket::next;
                  } else {
                    HttpResponse<Stream<String>> res =
                        http.send(streamRequest, HttpResponse.BodyHandlers.ofLines());
                    if (res.statusCode() != 200) {
                      throw new IllegalStateException("stream answered " + res.statusCode());
                    }
                    streams.add(res.body());
                    Iterator<String> it = res.body().iterator();
                    lines = () -> it.hasNext() ? it.next() : null;
                  }
                  String line;
                  while (got < total && (line = lines.next()) != null) {
                    if (!pinged && line.equals("event: ping")) {
                      pinged = true;
                      connected.countDown();
                    } else if (line.startsWith("data: ")) {
                      int at = line.indexOf(MARK);
                      if (at >= 0) {
                        long now = System.nanoTime();
                        int i = parseIndex(line, at + MARK.length());
                        got++;
                        if (i >= warmup) {
                          Latency.record(h, now - sentAt.get(i));
                          receivedAt.set(i * subscribers + subscriber, now);
                          received.incrementAndGet();
                        }
                      }
                    }
                  }
                } catch (Throwable e) {
                  if (got < total) {
                    failure.compareAndSet(null, e);
                  }
                } finally {
                  if (!pinged) {
                    connected.countDown();
                  }
                  finished.countDown();
                }
              });
    }
    if (!connected.await(30, TimeUnit.SECONDS) || failure.get() != null) {
      throw new IllegalStateException("subscribers did not connect", failure.get());
    }

    // Paced sending: event i is due at start + i / rate; a few senders keep the pace when one
    // POST is slow.
    List<Histogram> acks = new ArrayList<>();
    AtomicInteger next = new AtomicInteger();
    long intervalNanos = 1_000_000_000L / ratePerSecond;
    long start = System.nanoTime() + 10_000_000L;
    List<Thread> senderThreads = new ArrayList<>();
    String eventsUri = sendBase + "/v1/sessions/" + session + "/events";
    for (int s = 0; s < senders; s++) {
      Histogram h = Latency.histogram();
      acks.add(h);
      senderThreads.add(
          Thread.ofVirtual()
              .name("sender-" + s)
              .start(
                  () -> {
                    try {
                      for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                        long due = start + i * intervalNanos;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                          TimeUnit.NANOSECONDS.sleep(wait);
                        }
                        String body =
                            "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\","
                                + "\"text\":\""
                                + MARK
                                + i
                                + "\"}]}]}";
                        HttpRequest req =
                            HttpRequest.newBuilder(URI.create(eventsUri))
                                .header("x-api-key", KEY)
                                .header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build();
                        long t0 = System.nanoTime();
                        sentAt.set(i, t0);
                        HttpResponse<String> res =
                            http.send(req, HttpResponse.BodyHandlers.ofString());
                        ackedAt.set(i, System.nanoTime());
                        if (i >= warmup) {
                          Latency.record(h, System.nanoTime() - t0);
                        }
                        if (res.statusCode() != 200) {
                          throw new IllegalStateException(
                              "send answered " + res.statusCode() + ": " + res.body());
                        }
                      }
                    } catch (Throwable e) {
                      failure.compareAndSet(null, e);
                    }
                  }));
    }
    for (Thread t : senderThreads) {
      t.join();
    }
    long measuredFrom = start + warmup * intervalNanos;
    double sendSeconds = (System.nanoTime() - measuredFrom) / 1e9;
    boolean all = finished.await(20, TimeUnit.SECONDS);
    double deliverSeconds = (System.nanoTime() - measuredFrom) / 1e9;
    synchronized (streams) {
      for (AutoCloseable c : streams) {
        c.close();
      }
    }
    if (failure.get() != null) {
      throw new IllegalStateException("the SSE benchmark failed", failure.get());
    }
    Histogram fromAck = Latency.histogram();
    for (int i = warmup; i < total; i++) {
      for (int s = 0; s < subscribers; s++) {
        long at = receivedAt.get(i * subscribers + s);
        if (at != 0) {
          Latency.record(fromAck, Math.max(0, at - ackedAt.get(i)));
        }
      }
    }
    out.println();
    out.printf(
        "### SSE delivery%s, %s: %d subscribers, %d events paced at %d/s after %d warm-up events"
            + " (measured events sent in %.2f s, %d/%d deliveries%s)%n",
        crossNode ? " across nodes (sent to node A, streamed from node B, one PostgreSQL)" : "",
        socketClient
            ? "socket client (plain socket per subscriber)"
            : "JDK client (HttpClient, BodyHandlers.ofLines)",
        subscribers,
        events,
        ratePerSecond,
        warmup,
        sendSeconds,
        received.get(),
        (long) subscribers * events,
        all ? "" : ", SOME MISSING after 20 s");
    Latency.header(out, "measurement");
    Latency.row(out, "POST /events ack (request to 200)", Latency.merge(acks), sendSeconds);
    Latency.row(
        out,
        "SSE delivery (POST start to data line, per subscriber)",
        Latency.merge(delivery),
        deliverSeconds);
    Latency.row(out, "SSE delivery (POST's 200 to data line, 0 if first)", fromAck, deliverSeconds);
  }

  /** A subscriber's view of its stream: the next line, or null at the end. */
  private interface Lines {
    String next() throws IOException;
  }

  private static int parseIndex(String line, int from) {
    int i = from;
    int value = 0;
    while (i < line.length() && Character.isDigit(line.charAt(i))) {
      value = value * 10 + (line.charAt(i) - '0');
      i++;
    }
    return value;
  }

  private static ModelResponse neverAnswers(
      ModelRequest request, ModelStreamListener listener, Cancellation cancellation) {
    CountDownLatch cancelled = new CountDownLatch(1);
    cancellation.onCancel(cancelled::countDown);
    try {
      cancelled.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new ModelException.Cancelled();
  }
}
