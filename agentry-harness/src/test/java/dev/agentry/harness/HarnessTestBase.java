package dev.agentry.harness;

import static org.awaitility.Awaitility.await;

import dev.agentry.core.AgentSpec;
import dev.agentry.core.DefaultToolConfig;
import dev.agentry.core.EventDraft;
import dev.agentry.core.ModelConfig;
import dev.agentry.core.PermissionPolicy;
import dev.agentry.core.Session;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.Store;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolSpec;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import dev.agentry.testkit.StoreFixtures;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A real SQLite store, a session with built-in and custom tools, a fake model and fake tools. */
abstract class HarnessTestBase {
  @TempDir Path dir;
  Store store;
  FakeModel model = new FakeModel();
  FakeTools tools = new FakeTools();
  Harness harness;
  String sessionId;

  HarnessConfig config() {
    return HarnessConfig.defaults()
        .withRetries(3, Duration.ofMillis(5), Duration.ofMillis(20))
        .withLeaseTtl(Duration.ofSeconds(5));
  }

  @BeforeEach
  void openStore() {
    store = Stores.open(StoreConfig.sqlite(dir));
    sessionId = store.sessions().create(session(), List.of()).id();
    harness = Harness.create(store, model, tools, config(), Clock.systemUTC());
  }

  @AfterEach
  void closeAll() {
    harness.close();
    store.close();
  }

  static Session session() {
    List<ToolConfig> configs = new ArrayList<>();
    for (String name : ToolSpec.BUILT_IN_TOOLS) {
      configs.add(ToolConfig.simple(name, true, PermissionPolicy.ALWAYS_ALLOW));
    }
    AgentSpec spec =
        new AgentSpec(
            "tester",
            "",
            "You are a test.",
            new ModelConfig("claude-test", new ModelConfig.Effort("high"), null, null),
            List.of(
                new ToolSpec.AgentToolset(DefaultToolConfig.ALLOW_ALL, configs),
                new ToolSpec.CustomTool(
                    "lookup",
                    "asks the client",
                    FakeModel.json("{\"type\":\"object\",\"properties\":{}}"))),
            List.of(),
            List.of(),
            Map.of(),
            null,
            null);
    Instant now = Instant.now();
    return StoreFixtures.session(StoreFixtures.agent(spec, now), now);
  }

  /** What the server does for POST /events: append queued, then wake. */
  StoredEvent send(String type, String payload) {
    StoredEvent e =
        store.events().append(sessionId, List.of(EventDraft.of(type, payload, null))).get(0);
    harness.wake(sessionId);
    return e;
  }

  StoredEvent say(String text) {
    return send(
        "user.message",
        "{\"content\":[{\"type\":\"text\",\"text\":" + FakeModel.json("\"" + text + "\"") + "}]}");
  }

  /** Appends an already processed event, as the server does for custom tool results. */
  StoredEvent appendProcessed(String type, String payload) {
    StoredEvent e =
        store
            .events()
            .append(sessionId, List.of(EventDraft.of(type, payload, Instant.now())))
            .get(0);
    harness.wake(sessionId);
    return e;
  }

  List<StoredEvent> log() {
    return store.events().readAfter(sessionId, 0, 10_000);
  }

  List<String> types() {
    return log().stream().map(StoredEvent::type).toList();
  }

  List<StoredEvent> ofType(String type) {
    return log().stream().filter(e -> e.type().equals(type)).toList();
  }

  /** Waits until the log holds {@code n} idle events and the session's runner is done. */
  void awaitIdles(int n) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                ofType("session.status_idle").size() >= n
                    && store.sessions().find(sessionId).orElseThrow().status()
                        == SessionStatus.IDLE);
  }

  /** Records this test's log as golden replay fixture {@code scenario} (see {@link GoldenLogs}). */
  void golden(String scenario) {
    GoldenLogs.record(scenario, config(), log());
  }

  Session stored() {
    return store.sessions().find(sessionId).orElseThrow();
  }
}
