package dev.agentry.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted work queue and session API over a real socket, for the worker's unit tests: one
 * environment, sessions whose events the test appends, work items the test queues. It checks the
 * credentials the way the protocol says (the key for poll and ack, the item's token for the rest)
 * and the heartbeat precondition; when every call a session waits on has a result it ends the turn.
 */
final class FakeQueue implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ENV = "env_fake";
  static final String KEY = "envkey-good";

  final HttpServer server;
  final List<String> workerIds = new CopyOnWriteArrayList<>();
  final List<String> log = new CopyOnWriteArrayList<>();
  final Map<String, Item> items = new ConcurrentHashMap<>();
  final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Deque<String> queued = new ArrayDeque<>();
  private final CountDownLatch closing = new CountDownLatch(1);
  private final AtomicInteger ids = new AtomicInteger();
  volatile int ttlSeconds = 300;
  volatile int pollStatus = 200;

  /** How many reads of a session answer 503 before they work. */
  final AtomicInteger sessionOutages = new AtomicInteger();

  static final class Item {
    final String id;
    final String sessionId;
    final String token;
    volatile String state = "queued";
    volatile String lastHeartbeat;
    final AtomicInteger heartbeats = new AtomicInteger();
    volatile boolean stopRequested;
    volatile boolean stopped;
    volatile long heartbeatAt;

    Item(String id, String sessionId, String token) {
      this.id = id;
      this.sessionId = sessionId;
      this.token = token;
    }
  }

  static final class Session {
    final String id;
    volatile String status = "idle";
    final List<JsonNode> events = new CopyOnWriteArrayList<>();
    final List<OutputStream> streams = new CopyOnWriteArrayList<>();
    final List<JsonNode> results = new CopyOnWriteArrayList<>();
    final java.util.Set<String> waiting = ConcurrentHashMap.newKeySet();

    /** Whether a result for every listed call ends the turn (else the session stays idle). */
    volatile boolean endTurnOnResults = true;

    Session(String id) {
      this.id = id;
    }
  }

  FakeQueue() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  Session session(String id) {
    return sessions.computeIfAbsent(id, Session::new);
  }

  /** Appends a {@code agent.tool_use} and the idle that waits on it; returns the call's id. */
  String waitOn(String sessionId, String tool, ObjectNode input) {
    return waitOn(sessionId, tool, input, "allow");
  }

  String waitOn(String sessionId, String tool, ObjectNode input, String permission) {
    return waitOnAll(sessionId, List.of(Map.entry(tool, input)), permission).getFirst();
  }

  /** Appends the calls and one idle that waits on them all; returns their ids. */
  List<String> waitOnAll(
      String sessionId, List<Map.Entry<String, ObjectNode>> tools, String permission) {
    return waitOnAll(sessionId, tools, permission, null);
  }

  /**
   * As {@link #waitOnAll(String, List, String)}, the {@code i}th call made by session thread {@code
   * threads.get(i)} (its {@code session_thread_id}; null: the event names none).
   */
  List<String> waitOnAll(
      String sessionId,
      List<Map.Entry<String, ObjectNode>> tools,
      String permission,
      List<String> threads) {
    Session s = session(sessionId);
    append(s, event("session.status_running"));
    ObjectNode idle = event("session.status_idle");
    ArrayNode listed =
        idle.putObject("stop_reason").put("type", "requires_action").putArray("event_ids");
    List<String> callIds = new ArrayList<>();
    for (Map.Entry<String, ObjectNode> t : tools) {
      String callId = "sevt_call" + ids.incrementAndGet();
      ObjectNode use =
          event("agent.tool_use").put("name", t.getKey()).put("evaluated_permission", permission);
      use.put("id", callId).set("input", t.getValue());
      String thread = threads == null ? null : threads.get(callIds.size());
      if (thread != null) {
        use.put("session_thread_id", thread);
      }
      append(s, use);
      listed.add(callId);
      callIds.add(callId);
      s.waiting.add(callId);
    }
    append(s, idle);
    return callIds;
  }

  /** Queues a work item for the session; returns its id. */
  synchronized String queue(String sessionId) {
    String id = "work_" + ids.incrementAndGet();
    items.put(id, new Item(id, sessionId, "tok-" + id));
    queued.add(id);
    return id;
  }

  ObjectNode event(String type) {
    return JSON.createObjectNode().put("id", "sevt_" + ids.incrementAndGet()).put("type", type);
  }

  void append(Session s, JsonNode event) {
    String type = event.path("type").asText();
    if (type.startsWith("session.status_")) {
      s.status = type.substring("session.status_".length());
    }
    synchronized (s) {
      s.events.add(event);
      byte[] frame = ("event: message\ndata: " + event + "\n\n").getBytes(StandardCharsets.UTF_8);
      for (OutputStream out : s.streams) {
        try {
          out.write(frame);
          out.flush();
        } catch (IOException e) {
          s.streams.remove(out);
        }
      }
    }
  }

  private void handle(HttpExchange x) throws IOException {
    String path = x.getRequestURI().getPath();
    String query = x.getRequestURI().getRawQuery();
    String auth = x.getRequestHeaders().getFirst("Authorization");
    String credential = auth == null ? "" : auth.replaceFirst("^Bearer ", "");
    log.add(x.getRequestMethod() + " " + path);
    byte[] body = x.getRequestBody().readAllBytes();
    String[] p = path.split("/");
    try {
      if (path.equals("/v1/environments/" + ENV + "/work/poll")) {
        poll(x, credential);
      } else if (path.startsWith("/v1/environments/" + ENV + "/work/")) {
        Item item = items.get(p[5]);
        if (item == null) {
          error(x, 404, "not_found_error", "no work item " + p[5]);
          return;
        }
        workCall(x, item, p[6], query, credential);
      } else if (p.length >= 4 && p[1].equals("v1") && p[2].equals("sessions")) {
        Session s = sessions.get(p[3]);
        if (s == null || !tokenFor(s.id).contains(credential)) {
          error(x, 404, "not_found_error", "no session " + p[3]);
          return;
        }
        sessionCall(
            x, s, p.length > 4 ? String.join("/", List.of(p).subList(4, p.length)) : "", body);
      } else {
        error(x, 404, "not_found_error", "no route " + path);
      }
    } catch (RuntimeException e) {
      error(x, 500, "api_error", e.toString());
    }
  }

  private List<String> tokenFor(String sessionId) {
    List<String> tokens = new ArrayList<>();
    for (Item i : items.values()) {
      if (i.sessionId.equals(sessionId) && !i.stopped) {
        tokens.add(i.token);
      }
    }
    return tokens;
  }

  private void poll(HttpExchange x, String credential) throws IOException {
    workerIds.add(String.valueOf(x.getRequestHeaders().getFirst("Anthropic-Worker-ID")));
    if (pollStatus != 200) {
      error(x, pollStatus, pollStatus == 401 ? "authentication_error" : "api_error", "refused");
      return;
    }
    if (!KEY.equals(credential)) {
      error(x, 401, "authentication_error", "invalid environment key");
      return;
    }
    String id;
    synchronized (this) {
      id = queued.poll();
      if (id == null) {
        id = lapsed();
      }
    }
    if (id == null) {
      json(x, 200, "null");
      return;
    }
    Item item = items.get(id);
    ObjectNode work = JSON.createObjectNode().put("id", id).put("type", "work");
    work.put("environment_id", ENV).put("state", item.state);
    work.putObject("data").put("type", "session").put("id", item.sessionId);
    String secret =
        "{\"sessions_token\":\"" + item.token + "\",\"api_base_url\":\"" + url() + "\"}";
    work.put(
        "secret",
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
    json(x, 200, work.toString());
  }

  /** An item whose holder stopped heartbeating for a whole TTL is offered again. */
  private String lapsed() {
    long now = System.currentTimeMillis();
    for (Item i : items.values()) {
      synchronized (i) {
        if (!i.stopped && i.lastHeartbeat != null && i.heartbeatAt + ttlSeconds * 1000L < now) {
          i.lastHeartbeat = null;
          i.state = "queued";
          return i.id;
        }
      }
    }
    return null;
  }

  private void workCall(HttpExchange x, Item item, String call, String query, String credential)
      throws IOException {
    switch (call) {
      case "ack" -> {
        if (!KEY.equals(credential)) {
          error(x, 401, "authentication_error", "ack takes the environment key");
          return;
        }
        item.state = "starting";
        json(x, 200, "{}");
      }
      case "heartbeat" -> {
        if (!item.token.equals(credential)) {
          error(x, 401, "authentication_error", "wrong token");
          return;
        }
        String expected = query == null ? "" : query.replaceFirst(".*expected_last_heartbeat=", "");
        synchronized (item) {
          String current = item.lastHeartbeat == null ? "NO_HEARTBEAT" : item.lastHeartbeat;
          if (!current.equals(expected) || item.stopped) {
            json(
                x,
                412,
                "{\"type\":\"error\",\"error\":{\"type\":\"heartbeat_precondition_failed\","
                    + "\"message\":\"expected "
                    + current
                    + "\",\"current_state\":\""
                    + item.state
                    + "\"}}");
            return;
          }
          boolean extended = !item.stopRequested;
          if (extended) {
            item.lastHeartbeat = "hb" + item.heartbeats.incrementAndGet();
            item.heartbeatAt = System.currentTimeMillis();
            item.state = "active";
          }
          json(
              x,
              200,
              JSON.createObjectNode()
                  .put("type", "work_heartbeat")
                  .put("last_heartbeat", item.lastHeartbeat)
                  .put("lease_extended", extended)
                  .put("state", item.state)
                  .put("ttl_seconds", ttlSeconds)
                  .toString());
        }
      }
      case "stop" -> {
        if (!item.token.equals(credential)) {
          error(x, 401, "authentication_error", "wrong token");
          return;
        }
        if (item.stopped) {
          error(x, 409, "invalid_request_error", "already stopped");
          return;
        }
        item.stopped = true;
        item.state = "stopped";
        json(x, 200, "{}");
      }
      default -> error(x, 404, "not_found_error", "no route " + call);
    }
  }

  private void sessionCall(HttpExchange x, Session s, String rest, byte[] body) throws IOException {
    switch (rest) {
      case "" -> {
        if (sessionOutages.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          error(x, 503, "overloaded_error", "try again");
          return;
        }
        json(x, 200, JSON.createObjectNode().put("id", s.id).put("status", s.status).toString());
      }
      case "events" -> {
        if (x.getRequestMethod().equals("POST")) {
          postEvents(x, s, JSON.readTree(body));
        } else {
          ObjectNode page = JSON.createObjectNode();
          ArrayNode data = page.putArray("data");
          s.events.forEach(data::add);
          page.putNull("next_page");
          json(x, 200, page.toString());
        }
      }
      case "events/stream" -> {
        x.getResponseHeaders().add("Content-Type", "text/event-stream");
        x.sendResponseHeaders(200, 0);
        OutputStream out = x.getResponseBody();
        out.write(": open\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        s.streams.add(out);
        try {
          closing.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          s.streams.remove(out);
          x.close();
        }
      }
      default -> error(x, 404, "not_found_error", "no route " + rest);
    }
  }

  private void postEvents(HttpExchange x, Session s, JsonNode body) throws IOException {
    for (JsonNode e : body.path("events")) {
      if (!"user.tool_result".equals(e.path("type").asText())) {
        error(x, 400, "invalid_request_error", "unexpected event " + e.path("type"));
        return;
      }
      s.results.add(e);
      s.waiting.remove(e.path("tool_use_id").asText());
      ObjectNode echo = (ObjectNode) e.deepCopy();
      echo.put("id", "sevt_" + ids.incrementAndGet());
      append(s, echo);
    }
    json(x, 200, "{\"data\":[]}");
    if (s.endTurnOnResults && s.waiting.isEmpty()) {
      append(s, event("session.status_running"));
      append(s, event("agent.message"));
      ObjectNode idle = event("session.status_idle");
      idle.putObject("stop_reason").put("type", "end_turn");
      append(s, idle);
    }
  }

  private static void error(HttpExchange x, int status, String type, String message)
      throws IOException {
    ObjectNode e = JSON.createObjectNode().put("type", "error");
    e.putObject("error").put("type", type).put("message", message);
    json(x, status, e.toString());
  }

  private static void json(HttpExchange x, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", "application/json");
    x.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
  }
}
