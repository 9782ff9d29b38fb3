package dev.agentry.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.DefaultToolConfig;
import dev.agentry.core.EventDraft;
import dev.agentry.core.EventStore;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelConfig;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelUsage;
import dev.agentry.core.PermissionPolicy;
import dev.agentry.core.Session;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.Store;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolOutcome;
import dev.agentry.core.ToolSpec;
import dev.agentry.harness.Harness;
import dev.agentry.harness.HarnessConfig;
import dev.agentry.model.ModelClients;
import dev.agentry.server.AgentryServer;
import dev.agentry.server.ServerConfig;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import dev.agentry.testkit.FakeAnthropic;
import dev.agentry.testkit.StoreFixtures;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * The agent loop's own cost, with the model and tools replaced by fakes. Four cases, each on a
 * SQLite store in its own temporary directory:
 *
 * <ol>
 *   <li><b>Overhead per step</b>: an in-process model that answers at once (a {@code read} tool
 *       call, then a final text once the tool result is in the context) and a tool executor that
 *       answers at once. A turn is timed from {@code wake} to the {@code session.status_idle} event
 *       reaching a store subscriber. Each of the turn's two model steps is timed on its own: from
 *       {@code wake} to the second model call, and from the second model call to the idle event;
 *       the time spent inside the fakes during each is subtracted.
 *   <li><b>{@code user.message} → model request</b>: the real server with {@link FakeAnthropic}
 *       behind the Anthropic client over HTTP. From just before the {@code POST .../events} to
 *       {@link FakeAnthropic#awaitRequests} returning (it waits on the fake's monitor, which is
 *       notified as the request is recorded). Each message goes to a fresh session and its turn
 *       finishes before the next is sent.
 *   <li><b>Concurrent sessions</b>: {@code concurrent} sessions' turns woken at once on one
 *       harness, against an in-process model that sleeps 1 s. Wall time until every session's
 *       {@code session.status_idle}, and heap used after a forced GC at the moment the last
 *       session's request reached the model.
 *   <li><b>Wake of a long session</b>: a session whose log holds about {@code longLog} events, in
 *       the harness's own turn shape; each sample queues one {@code user.message} and times {@code
 *       wake} to the model request arriving (lease, log read, fold, context build, journalling).
 * </ol>
 */
final class HarnessBench {
  private static final String KEY = BenchApi.KEY;
  private static final String NOOP_TOOL = "read";

  private final int stepTurns;
  private final int messages;
  private final int concurrent;
  private final int longLog;
  private final int wakes;
  private final PrintStream out;

  HarnessBench(
      int stepTurns, int messages, int concurrent, int longLog, int wakes, PrintStream out) {
    this.stepTurns = stepTurns;
    this.messages = messages;
    this.concurrent = concurrent;
    this.longLog = longLog;
    this.wakes = wakes;
    this.out = out;
  }

  void run() throws Exception {
    out.println();
    out.println("### Harness (SQLite store in a temporary directory, fakes for model and tools)");
    Latency.header(out, "measurement");
    stepOverhead();
    messageToRequest();
    longSessionWake();
    concurrentSessions();
    out.println();
    out.println("Case 1, store calls made by the harness per turn (mean): " + breakdown);
  }

  // ------------------------------------------------------------------ 1. overhead per step

  private void stepOverhead() throws Exception {
    int warmup = Math.max(50, stepTurns / 5);
    int turnsPerSession = 25;
    AtomicLong fakeNanos = new AtomicLong();
    AtomicInteger modelCalls = new AtomicInteger();
    // Where the turn's last model call began, and the fakes' time up to then: the boundary
    // between its two steps.
    AtomicLong lastCallAt = new AtomicLong();
    AtomicLong fakeBeforeLastCall = new AtomicLong();
    ModelClient model =
        (request, listener, cancellation) -> {
          long t0 = System.nanoTime();
          lastCallAt.set(t0);
          fakeBeforeLastCall.set(fakeNanos.get());
          modelCalls.incrementAndGet();
          ModelResponse r = answerToolThenText(request);
          fakeNanos.addAndGet(System.nanoTime() - t0);
          return r;
        };
    ToolExecutor tools =
        (sessionId, name, input, cancellation) -> {
          long t0 = System.nanoTime();
          ToolOutcome o = ToolOutcome.ok("nothing");
          fakeNanos.addAndGet(System.nanoTime() - t0);
          return o;
        };
    Path dir = TempDirs.create("agentry-bench-harness-step-");
    Histogram perStep = Latency.histogram();
    Histogram perTurn = Latency.histogram();
    long measuredNanos = 0;
    StoreCalls calls = new StoreCalls();
    try (Store raw = Stores.open(StoreConfig.sqlite(dir));
        Harness harness =
            Harness.create(
                calls.wrap(raw), model, tools, HarnessConfig.defaults(), Clock.systemUTC())) {
      Store store = raw;
      String session = null;
      for (int i = 0; i < warmup + stepTurns; i++) {
        if (i % turnsPerSession == 0) {
          session = store.sessions().create(session(), List.of()).id();
        }
        CountDownLatch done = new CountDownLatch(1);
        AtomicLong idleAt = new AtomicLong();
        EventStore.Subscription sub =
            store
                .events()
                .subscribe(
                    session,
                    e -> {
                      if (e.type().equals("session.status_idle")) {
                        idleAt.set(System.nanoTime());
                        done.countDown();
                      }
                    });
        try {
          store.events().append(session, List.of(userMessage("step " + i)));
          if (i == warmup) {
            calls.reset();
          }
          int callsBefore = modelCalls.get();
          fakeNanos.set(0);
          long t0 = System.nanoTime();
          harness.wake(session);
          if (!done.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("turn " + i + " did not finish");
          }
          long turn = idleAt.get() - t0;
          int steps = modelCalls.get() - callsBefore;
          if (steps != 2) {
            throw new IllegalStateException("expected 2 model steps, saw " + steps);
          }
          if (i >= warmup) {
            // Each step timed on its own: wake → the second model call begins, and the second
            // model call → idle reaches the subscriber; each minus the fakes' time inside it.
            long first = lastCallAt.get() - t0 - fakeBeforeLastCall.get();
            long second =
                idleAt.get() - lastCallAt.get() - (fakeNanos.get() - fakeBeforeLastCall.get());
            Latency.record(perStep, first);
            Latency.record(perStep, second);
            Latency.record(perTurn, turn - fakeNanos.get());
            measuredNanos += turn;
          }
        } finally {
          sub.close();
        }
        awaitRunnerGone(store, session);
      }
    } finally {
      TempDirs.delete(dir);
    }
    Latency.row(
        out,
        "1. overhead per model step, zero-latency model and tool (each step timed, minus fake time)",
        perStep,
        measuredNanos / 1e9);
    Latency.row(
        out,
        "1. overhead per turn of 2 steps (user.message → tool round → text → idle), minus fake time",
        perTurn,
        measuredNanos / 1e9);
    breakdown = calls.summary(stepTurns);
  }

  /** Where case 1's time went: the harness's store calls per turn (printed after the table). */
  private String breakdown = "";

  /** Tool call first; a final text once the last user turn carries the tool's result. */
  private static ModelResponse answerToolThenText(ModelRequest request) {
    List<ModelMessage> msgs = request.messages();
    ModelMessage last = msgs.get(msgs.size() - 1);
    boolean hasResult = last.content().stream().anyMatch(b -> b instanceof ContentBlock.ToolResult);
    ModelUsage usage = new ModelUsage(10, 5, 0, 0);
    if (hasResult) {
      return new ModelResponse(List.of(new ContentBlock.Text("done")), "end_turn", usage);
    }
    JsonNode input = Json.mapper().createObjectNode().put("file_path", "/workspace/x");
    return new ModelResponse(
        List.of(new ContentBlock.ToolUse("toolu_" + Ids.secret("", 16), NOOP_TOOL, input)),
        "tool_use",
        usage);
  }

  // ------------------------------------------------------------------ 2. message → request

  private void messageToRequest() throws Exception {
    int warmup = Math.max(20, messages / 10);
    Path dir = TempDirs.create("agentry-bench-harness-http-");
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    Histogram latency = Latency.histogram();
    long measuredNanos = 0;
    try (FakeAnthropic fake = FakeAnthropic.start()) {
      fake.defaultReply(FakeAnthropic.text("ok"));
      ModelClient model =
          ModelClients.fromEnv(
              Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", "k"));
      try (AgentryServer server =
          AgentryServer.start(
              ServerConfig.builder(Map.of()).port(0).dataDir(dir).apiKey(KEY).build(),
              Clock.systemUTC(),
              quiet,
              model)) {
        HttpClient http =
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        String base = "http://127.0.0.1:" + server.port();
        String agent =
            BenchApi.id(
                BenchApi.post(
                    http, base + "/v1/agents", "{\"name\":\"b\",\"model\":\"claude-sonnet-4-6\"}"));
        String env =
            BenchApi.id(BenchApi.post(http, base + "/v1/environments", "{\"name\":\"e\"}"));
        for (int i = 0; i < warmup + messages; i++) {
          String session =
              BenchApi.id(
                  BenchApi.post(
                      http,
                      base + "/v1/sessions",
                      "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
          String body =
              "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\","
                  + "\"text\":\"message "
                  + i
                  + "\"}]}]}";
          long t0 = System.nanoTime();
          BenchApi.post(http, base + "/v1/sessions/" + session + "/events", body);
          fake.awaitRequests(i + 1, Duration.ofSeconds(10));
          long took = System.nanoTime() - t0;
          if (i >= warmup) {
            Latency.record(latency, took);
            measuredNanos += took;
          }
          BenchApi.awaitIdle(http, base, session, 1);
        }
      }
    } finally {
      TempDirs.delete(dir);
    }
    Latency.row(
        out,
        "2. POST user.message → request at the fake Anthropic endpoint (real server, HTTP)",
        latency,
        measuredNanos / 1e9);
  }

  // ------------------------------------------------------------------ 3. concurrent sessions

  private void concurrentSessions() throws Exception {
    AtomicInteger arrived = new AtomicInteger();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    ModelClient slow =
        (request, listener, cancellation) -> {
          arrived.incrementAndGet();
          maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
          try {
            Thread.sleep(1000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            inFlight.decrementAndGet();
          }
          return new ModelResponse(
              List.of(new ContentBlock.Text("ok")), "end_turn", new ModelUsage(10, 5, 0, 0));
        };
    ToolExecutor noTools = (sessionId, name, input, cancellation) -> ToolOutcome.ok("");
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    Path dir = TempDirs.create("agentry-bench-harness-conc-");
    double wall;
    long heapAtPeak = -1;
    int inFlightAtPeak = -1;
    boolean all;
    try (Store store = Stores.open(StoreConfig.sqlite(dir));
        Harness harness =
            Harness.create(store, slow, noTools, HarnessConfig.defaults(), Clock.systemUTC())) {
      List<String> sessions = new ArrayList<>();
      for (int i = 0; i < concurrent; i++) {
        String id = store.sessions().create(session(), List.of()).id();
        store.events().append(id, List.of(userMessage("concurrent " + i)));
        sessions.add(id);
      }
      CountDownLatch idle = new CountDownLatch(concurrent);
      List<EventStore.Subscription> subs = new ArrayList<>();
      for (String id : sessions) {
        subs.add(
            store
                .events()
                .subscribe(
                    id,
                    e -> {
                      if (e.type().equals("session.status_idle")) {
                        idle.countDown();
                      }
                    }));
      }
      memory.gc();
      long heapBefore = memory.getHeapMemoryUsage().getUsed();
      long t0 = System.nanoTime();
      sessions.forEach(harness::wake);
      // Heap at the peak: once the last session's request is at the model, all runs are live.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (arrived.get() < concurrent && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      if (arrived.get() == concurrent) {
        inFlightAtPeak = inFlight.get();
        memory.gc();
        heapAtPeak = memory.getHeapMemoryUsage().getUsed();
      }
      all =
          idle.await(
              Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
      wall = (System.nanoTime() - t0) / 1e9;
      subs.forEach(EventStore.Subscription::close);
      out.printf(
          Locale.ROOT,
          "| 3. %d concurrent sessions, model latency 1 s: wall time to all idle %.2f s%s; heap"
              + " used after GC at the peak %.0f MiB (%d requests in flight; %.0f MiB before the"
              + " wake; max heap %.0f MiB); max in flight %d | %d | %.0f | - | - | - | - |%n",
          concurrent,
          wall,
          all ? "" : " (NOT ALL IDLE)",
          heapAtPeak / 1048576.0,
          inFlightAtPeak,
          heapBefore / 1048576.0,
          memory.getHeapMemoryUsage().getMax() / 1048576.0,
          maxInFlight.get(),
          concurrent,
          concurrent / wall);
      out.flush();
    } finally {
      TempDirs.delete(dir);
    }
  }

  // ------------------------------------------------------------------ 4. long session wake

  private void longSessionWake() throws Exception {
    AtomicLong requestAt = new AtomicLong();
    AtomicInteger contextMessages = new AtomicInteger();
    AtomicReference<CountDownLatch> got = new AtomicReference<>(new CountDownLatch(1));
    ModelClient model =
        (request, listener, cancellation) -> {
          requestAt.set(System.nanoTime());
          contextMessages.set(request.messages().size());
          got.get().countDown();
          return new ModelResponse(
              List.of(new ContentBlock.Text("ok")), "end_turn", new ModelUsage(10, 5, 0, 0));
        };
    ToolExecutor noTools = (sessionId, name, input, cancellation) -> ToolOutcome.ok("");
    Path dir = TempDirs.create("agentry-bench-harness-long-");
    Histogram wake = Latency.histogram();
    Histogram read = Latency.histogram();
    long events;
    try (Store store = Stores.open(StoreConfig.sqlite(dir));
        Harness harness =
            Harness.create(store, model, noTools, HarnessConfig.defaults(), Clock.systemUTC())) {
      String session = store.sessions().create(session(), List.of()).id();
      fillLog(store, session, longLog);
      events = store.events().lastSeq(session);
      for (int i = 0; i < wakes + 3; i++) {
        CountDownLatch latch = new CountDownLatch(1);
        got.set(latch);
        store.events().append(session, List.of(userMessage("wake " + i)));
        long t0 = System.nanoTime();
        harness.wake(session);
        if (!latch.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("wake " + i + " reached no model");
        }
        if (i >= 3) {
          Latency.record(wake, requestAt.get() - t0);
        }
        awaitRunnerGone(store, session);
        // For comparison: one plain read of the whole log, as each runner step does it.
        long r0 = System.nanoTime();
        long after = 0;
        while (true) {
          List<StoredEvent> page = store.events().readAfter(session, after, 1000);
          if (page.size() < 1000) {
            break;
          }
          after = page.get(page.size() - 1).seq();
        }
        if (i >= 3) {
          Latency.record(read, System.nanoTime() - r0);
        }
      }
    } finally {
      TempDirs.delete(dir);
    }
    Latency.row(
        out,
        String.format(
            Locale.ROOT,
            "4. wake → model request, session of %,d events (%d context messages)",
            events,
            contextMessages.get()),
        wake,
        0);
    Latency.row(
        out,
        String.format(
            Locale.ROOT, "4. for comparison: one readAfter pass over the %,d-event log", events),
        read,
        0);
  }

  /**
   * Appends whole turns in the harness's own shape (user.message, status_running, span start,
   * agent.message, span end, status_idle) until the log holds at least {@code target} events.
   */
  private static void fillLog(Store store, String session, int target) {
    Instant at = Instant.now();
    List<EventDraft> batch = new ArrayList<>();
    int n = 0;
    int turn = 0;
    String filler = " Some ordinary words to make the message about the length of a short reply.";
    while (n < target) {
      EventDraft start = EventDraft.of("span.model_request_start", "{}", at);
      batch.add(
          EventDraft.of(
              "user.message",
              "{\"content\":[{\"type\":\"text\",\"text\":\"question " + turn + filler + "\"}]}",
              at));
      batch.add(EventDraft.of("session.status_running", "{}", at));
      batch.add(start);
      batch.add(
          EventDraft.of(
              "agent.message",
              "{\"content\":[{\"type\":\"text\",\"text\":\"answer " + turn + filler + "\"}]}",
              at));
      batch.add(
          EventDraft.of(
              "span.model_request_end",
              "{\"model_request_start_id\":\""
                  + start.id()
                  + "\",\"is_error\":false,\"model_usage\":{\"input_tokens\":10,"
                  + "\"output_tokens\":5,\"cache_creation_input_tokens\":0,"
                  + "\"cache_read_input_tokens\":0}}",
              at));
      batch.add(
          EventDraft.of(
              "session.status_idle",
              "{\"stop_reason\":{\"type\":\"end_turn\"},\"stop_details\":null}",
              at));
      n += 6;
      turn++;
      if (batch.size() >= 600) {
        store.events().append(session, batch);
        batch = new ArrayList<>();
      }
    }
    if (!batch.isEmpty()) {
      store.events().append(session, batch);
    }
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Counts and times the calls the harness makes on the store's repositories (a dynamic proxy
   * around {@code sessions()} and {@code events()}), to say where a step's time goes.
   */
  private static final class StoreCalls {
    private final Map<String, long[]> byMethod = new java.util.concurrent.ConcurrentHashMap<>();

    void reset() {
      byMethod.clear();
    }

    Store wrap(Store store) {
      return proxy(
          Store.class,
          store,
          (m, r) ->
              switch (m) {
                case "sessions" -> proxy(dev.agentry.core.SessionRepository.class, r, null);
                case "events" -> proxy(EventStore.class, r, null);
                default -> r;
              });
    }

    private <T> T proxy(
        Class<T> type, Object target, java.util.function.BiFunction<String, Object, Object> map) {
      Object p =
          java.lang.reflect.Proxy.newProxyInstance(
              type.getClassLoader(),
              new Class<?>[] {type},
              (self, method, args) -> {
                long t0 = System.nanoTime();
                Object r;
                try {
                  r = method.invoke(target, args);
                } catch (java.lang.reflect.InvocationTargetException e) {
                  throw e.getCause();
                }
                if (map != null) {
                  return map.apply(method.getName(), r);
                }
                long took = System.nanoTime() - t0;
                long[] acc =
                    byMethod.computeIfAbsent(
                        type.getSimpleName() + "." + method.getName(), k -> new long[2]);
                synchronized (acc) {
                  acc[0]++;
                  acc[1] += took;
                }
                return r;
              });
      return type.cast(p);
    }

    String summary(int turns) {
      StringBuilder sb = new StringBuilder();
      long totalNanos = 0;
      for (var e : new java.util.TreeMap<>(byMethod).entrySet()) {
        long[] acc = e.getValue();
        totalNanos += acc[1];
        sb.append(
            String.format(
                Locale.ROOT,
                "%s %.1f× %.2f ms; ",
                e.getKey(),
                acc[0] / (double) turns,
                acc[1] / 1e6 / turns));
      }
      return sb.append(
              String.format(Locale.ROOT, "total %.2f ms in the store", totalNanos / 1e6 / turns))
          .toString();
    }
  }

  /** Idle in the store and the lease released: the next wake starts a fresh runner. */
  private static void awaitRunnerGone(Store store, String session) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      Session s = store.sessions().find(session).orElseThrow();
      if (s.status() == SessionStatus.IDLE) {
        // The runner releases its lease and leaves drive() just after the idle append.
        Thread.sleep(2);
        return;
      }
      Thread.sleep(1);
    }
    throw new IllegalStateException("session " + session + " did not go idle");
  }

  private static EventDraft userMessage(String text) {
    return EventDraft.of(
        "user.message", "{\"content\":[{\"type\":\"text\",\"text\":\"" + text + "\"}]}", null);
  }

  /** An idle session whose agent has the built-in {@code read} tool, always allowed. */
  private static Session session() {
    AgentSpec spec =
        new AgentSpec(
            "bench",
            "",
            "You are a benchmark.",
            new ModelConfig("claude-bench", null, null, null),
            List.of(
                new ToolSpec.AgentToolset(
                    DefaultToolConfig.ALLOW_ALL,
                    List.of(ToolConfig.simple(NOOP_TOOL, true, PermissionPolicy.ALWAYS_ALLOW)))),
            List.of(),
            List.of(),
            Map.of(),
            null,
            null);
    Instant now = Instant.now();
    return StoreFixtures.session(StoreFixtures.agent(spec, now), now);
  }
}
