package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.EventDraft;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.Store;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolOutcome;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several harnesses on one store, each one node: a node takes over the sessions of a dead one with
 * no client call, leaves what it has no slot for to the others, keeps its leases through long tool
 * calls and model streams, and takes its own sessions back at once when it restarts.
 */
class NodesTest {
  private static final Logger LOG = LoggerFactory.getLogger(NodesTest.class);
  private static final Duration TTL = Duration.ofMillis(400);

  @TempDir Path dir;
  Store store;
  final List<Harness> nodes = new ArrayList<>();

  @BeforeEach
  void open() {
    store = Stores.open(StoreConfig.sqlite(dir));
  }

  @AfterEach
  void closeAll() {
    nodes.forEach(Harness::close);
    store.close();
  }

  static HarnessConfig config(Duration ttl, int maxRunning) {
    return HarnessConfig.defaults()
        .withRetries(3, Duration.ofMillis(5), Duration.ofMillis(20))
        .withLeaseTtl(ttl)
        .withMaxRunning(maxRunning);
  }

  Harness node(Store on, String id, HarnessConfig config, ModelClient model, ToolExecutor tools) {
    Harness h =
        Harness.create(on, model, tools, config, Clock.systemUTC(), Harness.Extras.NONE, id);
    nodes.add(h);
    return h;
  }

  /** A session with a queued user message that no one has woken: only a sweep finds it. */
  String queuedSession() {
    return store
        .sessions()
        .create(
            HarnessTestBase.session(),
            List.of(
                EventDraft.of(
                    "user.message", "{\"content\":[{\"type\":\"text\",\"text\":\"go\"}]}", null)))
        .id();
  }

  List<StoredEvent> log(String session) {
    return store.events().readAfter(session, 0, 10_000);
  }

  List<StoredEvent> ofType(String session, String type) {
    return log(session).stream().filter(e -> e.type().equals(type)).toList();
  }

  boolean idle(String session) {
    return store.sessions().find(session).orElseThrow().status() == SessionStatus.IDLE
        && !ofType(session, "session.status_idle").isEmpty();
  }

  /**
   * Each session's model: a bash call first, then, once the call has its result, a text that ends
   * the turn. {@code delay} holds every answer, like a slow stream.
   */
  static final class BashThenText implements ModelClient {
    final AtomicInteger requests = new AtomicInteger();
    private final Duration delay;

    BashThenText(Duration delay) {
      this.delay = delay;
    }

    @Override
    public ModelResponse send(
        ModelRequest request, ModelStreamListener listener, Cancellation cancellation) {
      requests.incrementAndGet();
      pause(delay);
      boolean answered = request.messages().stream().anyMatch(m -> m.role().equals("assistant"));
      return answered
          ? FakeModel.text("done")
          : FakeModel.toolUse("bash", "{\"command\":\"echo ran >> runs.txt\"}");
    }
  }

  /**
   * A node's side-effecting tool: counts its calls and how many run at once, and holds each until
   * {@code release} opens (or for {@code hold}, whichever is set).
   */
  static final class CountingTools implements ToolExecutor {
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final CountDownLatch release;
    private final Duration hold;

    CountingTools(CountDownLatch release, Duration hold) {
      this.release = release;
      this.hold = hold;
    }

    @Override
    public ToolOutcome execute(
        String sessionId, String name, JsonNode input, Cancellation cancellation) {
      calls.incrementAndGet();
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        if (release != null) {
          release.await(60, TimeUnit.SECONDS);
        }
        pause(hold);
        return ToolOutcome.ok("ran");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return ToolOutcome.error("interrupted");
      } finally {
        inFlight.decrementAndGet();
      }
    }
  }

  static void pause(Duration d) {
    if (d.isZero()) {
      return;
    }
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aDeadNodesSessions_areFinishedByAnother_withNoClientCall_andNoToolRunsTwice() {
    SeveredStore deadStore = new SeveredStore(store);
    CountDownLatch never = new CountDownLatch(1);
    CountingTools deadTools = new CountingTools(never, Duration.ZERO);
    Harness dead =
        node(deadStore.store, "a", config(TTL, 100), new BashThenText(Duration.ZERO), deadTools);
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      sessions.add(queuedSession());
    }
    dead.recover();
    await().atMost(Duration.ofSeconds(10)).until(() -> deadTools.inFlight.get() == 5);
    CountingTools survivorTools = new CountingTools(null, Duration.ZERO);
    BashThenText survivorModel = new BashThenText(Duration.ZERO);
    Harness survivor = node(store, "b", config(TTL, 100), survivorModel, survivorTools);
    survivor.recover();

    long diedAt = System.nanoTime();
    deadStore.sever();
    await().atMost(TTL.plusSeconds(10)).until(() -> sessions.stream().allMatch(this::idle));
    LOG.info(
        "takeover of 5 sessions: {} ms after the node died (lease TTL {} ms)",
        (System.nanoTime() - diedAt) / 1_000_000,
        TTL.toMillis());

    assertThat(survivor.claims()).isGreaterThanOrEqualTo(5);
    assertThat(survivorTools.calls).hasValue(0); // the cut bash calls are never run again
    assertThat(survivorModel.requests).hasValue(5);
    for (String s : sessions) {
      assertThat(ofType(s, "agent.tool_use")).hasSize(1);
      List<StoredEvent> results = ofType(s, "agent.tool_result");
      assertThat(results).hasSize(1);
      assertThat(results.get(0).payload()).contains("unknown");
      assertThat(ofType(s, "agent.message")).hasSize(1);
      assertThat(log(s).stream().map(StoredEvent::id)).doesNotHaveDuplicates();
    }
    never.countDown();
  }

  @Test
  void aToolCallAndAModelStreamOfThreeTtlsEach_keepTheirLease() {
    Duration slow = TTL.multipliedBy(3);
    CountingTools tools = new CountingTools(null, slow);
    BashThenText model = new BashThenText(slow);
    Harness runner = node(store, "a", config(TTL, 100), model, tools);
    String session = queuedSession();
    runner.recover();
    await().atMost(Duration.ofSeconds(10)).until(() -> model.requests.get() == 1);
    CountingTools otherTools = new CountingTools(null, Duration.ZERO);
    BashThenText otherModel = new BashThenText(Duration.ZERO);
    Harness other = node(store, "b", config(TTL, 100), otherModel, otherTools);
    other.recover();

    await().atMost(Duration.ofSeconds(20)).until(() -> idle(session));

    assertThat(other.claims()).isZero();
    assertThat(otherModel.requests).hasValue(0);
    assertThat(otherTools.calls).hasValue(0);
    assertThat(tools.calls).hasValue(1);
    List<StoredEvent> results = ofType(session, "agent.tool_result");
    assertThat(results).hasSize(1);
    assertThat(results.get(0).payload()).contains("ran").doesNotContain("unknown");
    assertThat(ofType(session, "agent.message")).hasSize(1);
  }

  @Test
  void aFullNode_leavesTheSessionsItHasNoSlotFor_toAnother() {
    CountDownLatch release = new CountDownLatch(1);
    CountingTools smallTools = new CountingTools(release, Duration.ZERO);
    Harness small =
        node(store, "small", config(TTL, 2), new BashThenText(Duration.ZERO), smallTools);
    CountingTools bigTools = new CountingTools(release, Duration.ZERO);
    Harness big = node(store, "big", config(TTL, 100), new BashThenText(Duration.ZERO), bigTools);
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      sessions.add(queuedSession());
    }
    small.recover();
    await().atMost(Duration.ofSeconds(10)).until(() -> smallTools.inFlight.get() == 2);
    assertThat(small.running()).isEqualTo(2);
    // A client's event reaches the full node: it is not run there but left for a node with room.
    String woken = queuedSession();
    sessions.add(woken);
    small.wake(woken);
    assertThat(small.running()).isEqualTo(2);
    assertThat(small.queueDepth()).isEqualTo(1); // deferred, not started
    big.recover();
    await().atMost(Duration.ofSeconds(10)).until(() -> bigTools.inFlight.get() == 7);

    release.countDown();
    await().atMost(Duration.ofSeconds(20)).until(() -> sessions.stream().allMatch(this::idle));
    assertThat(smallTools.maxInFlight.get()).isEqualTo(2);
    assertThat(smallTools.calls).hasValue(2);
    assertThat(bigTools.calls).hasValue(7);
    for (String s : sessions) {
      assertThat(ofType(s, "agent.tool_result")).hasSize(1);
      assertThat(ofType(s, "agent.tool_result").get(0).payload()).doesNotContain("unknown");
    }
  }

  @Test
  void aSessionWaitingOnTheClient_withAQueuedMessage_isClaimedOnce_notAtEverySweep() {
    FakeModel model = new FakeModel().thenTool("lookup", "{}");
    Harness h = node(store, "a", config(TTL, 100), model, new CountingTools(null, Duration.ZERO));
    String session = queuedSession();
    h.wake(session);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> log(session).getLast().payload().contains("requires_action"));
    // A message while the custom call awaits its result: queued, and rightly left waiting.
    store
        .events()
        .append(
            session,
            List.of(
                EventDraft.of(
                    "user.message",
                    "{\"content\":[{\"type\":\"text\",\"text\":\"more\"}]}",
                    null)));
    h.recover();
    await().atMost(Duration.ofSeconds(10)).until(() -> h.parked(session));
    long after = h.sweeps();
    await().atMost(Duration.ofSeconds(10)).until(() -> h.sweeps() >= after + 5);
    assertThat(h.claims()).isEqualTo(1);
    assertThat(model.requests).hasSize(1);

    h.wake(session); // a new event through this node: looked at again
    assertThat(h.parked(session)).isFalse();
  }

  @Test
  void aRestartedNode_takesBackItsOwnSessionsAtOnce_notAfterTheirLeasesExpire() {
    Duration longTtl = Duration.ofSeconds(60);
    SeveredStore firstLife = new SeveredStore(store);
    CountDownLatch never = new CountDownLatch(1);
    CountingTools firstTools = new CountingTools(never, Duration.ZERO);
    Harness before =
        node(
            firstLife.store,
            "n1",
            config(longTtl, 100),
            new BashThenText(Duration.ZERO),
            firstTools);
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sessions.add(queuedSession());
    }
    before.recover();
    await().atMost(Duration.ofSeconds(10)).until(() -> firstTools.inFlight.get() == 3);
    firstLife.sever(); // killed: its leases stay, valid for another minute

    long restartedAt = System.nanoTime();
    CountingTools tools = new CountingTools(null, Duration.ZERO);
    Harness after = node(store, "n1", config(longTtl, 100), new BashThenText(Duration.ZERO), tools);
    after.recover();
    await().atMost(Duration.ofSeconds(10)).until(() -> sessions.stream().allMatch(this::idle));
    LOG.info(
        "restart: 3 sessions resumed and finished {} ms after the restart (lease TTL {} ms)",
        (System.nanoTime() - restartedAt) / 1_000_000,
        longTtl.toMillis());
    assertThat(tools.calls).hasValue(0);
    for (String s : sessions) {
      assertThat(ofType(s, "agent.tool_result").get(0).payload()).contains("unknown");
    }
    never.countDown();
  }
}
