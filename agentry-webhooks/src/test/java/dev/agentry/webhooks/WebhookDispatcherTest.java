package dev.agentry.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Agent;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.Redactor;
import dev.agentry.core.SecretBox;
import dev.agentry.core.Store;
import dev.agentry.core.WebhookEndpoint;
import dev.agentry.core.Workspace;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import dev.agentry.testkit.StoreFixtures;
import dev.agentry.testkit.WebhookReceiver;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dispatcher against a real store and a receiver that checks every signature. */
class WebhookDispatcherTest {
  @TempDir Path dir;
  private Store store;
  private SecretBox box;
  private WebhookReceiver receiver;
  private ScheduledExecutorService scheduler;
  private ExecutorService senders;
  private WebhookDispatcher dispatcher;

  @BeforeEach
  void setUp() {
    store = Stores.open(StoreConfig.sqlite(dir));
    box = new SecretBox(new byte[32], new Redactor());
    receiver = WebhookReceiver.start();
    scheduler = Executors.newSingleThreadScheduledExecutor();
    senders = Executors.newVirtualThreadPerTaskExecutor();
  }

  @AfterEach
  void tearDown() {
    if (dispatcher != null) {
      dispatcher.close();
    }
    scheduler.shutdownNow();
    senders.shutdownNow();
    receiver.close();
    store.close();
  }

  private void startDispatcher(boolean allowPrivate) {
    startDispatcher(allowPrivate, Duration.ofMillis(20));
  }

  private void startDispatcher(boolean allowPrivate, Duration pollEvery) {
    var settings =
        new WebhookSettings(
            allowPrivate,
            pollEvery,
            Duration.ofMillis(5),
            Duration.ofMillis(20),
            50,
            Duration.ofSeconds(5));
    dispatcher =
        WebhookDispatcher.create(
                store.webhooks(), box, settings, Clock.systemUTC(), scheduler, senders)
            .start();
  }

  private WebhookEndpoint register(String url, String... types) {
    String secret = WebhookSecrets.generate();
    receiver.secret(secret);
    String id = Ids.next(IdKind.WEBHOOK);
    Instant now = Instant.now();
    return store
        .webhooks()
        .create(
            new WebhookEndpoint(
                id, Workspace.DEFAULT_ID, url, List.of(types), null, 0, null, null, now, now),
            box.seal(secret, id));
  }

  private WebhookEndpoint reload(WebhookEndpoint e) {
    return store.webhooks().find(e.id()).orElseThrow();
  }

  private Agent newAgent() {
    return store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
  }

  @Test
  void anIdleDispatcher_pollsLessOften_andAWakeDeliversWithoutWaitingOutTheStretch() {
    Duration every = Duration.ofMillis(200);
    long stretched = every.toMillis() * WebhookDispatcher.IDLE_STRETCH;
    startDispatcher(true, every);
    // No endpoint: the waits double, 0.2 + 0.4 + 0.8 + 1.6 s, up to 3.2 s.
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> dispatcher.waitMillis() == stretched);
    register(receiver.url(), "agent.created");
    newAgent();
    long woken = System.nanoTime();
    dispatcher.wake();
    await().atMost(Duration.ofSeconds(10)).until(() -> !receiver.received().isEmpty());
    // The stretched poll was still ~3 s away: only the wake can have delivered this soon.
    assertThat(Duration.ofNanos(System.nanoTime() - woken)).isLessThan(Duration.ofMillis(1500));
    assertThat(dispatcher.waitMillis()).isEqualTo(every.toMillis());
  }

  @Test
  void aWakeBeforeStart_schedulesNothing() {
    var pool = new ScheduledThreadPoolExecutor(1);
    try {
      var d =
          WebhookDispatcher.create(
              store.webhooks(),
              box,
              WebhookSettings.defaults(true),
              Clock.systemUTC(),
              pool,
              senders);
      d.wake(); // an endpoint made through the API while the server is still starting
      assertThat(pool.getTaskCount()).isZero();
      d.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> pool.getCompletedTaskCount() >= 1);
      d.close();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aChange_isDeliveredSignedWithAThinPayload() {
    register(receiver.url(), "agent.created");
    startDispatcher(true);
    Agent agent = newAgent();
    await().atMost(Duration.ofSeconds(10)).until(() -> !receiver.received().isEmpty());
    WebhookReceiver.Received r = receiver.received().get(0);
    assertThat(r.verified()).isTrue();
    JsonNode body = Json.read(r.body(), JsonNode.class);
    assertThat(body.get("type").asText()).isEqualTo("event");
    assertThat(body.get("id").asText()).isEqualTo(r.id()).startsWith("wevt_");
    assertThat(body.get("created_at").asText()).isNotEmpty();
    JsonNode data = body.get("data");
    assertThat(data.get("type").asText()).isEqualTo("agent.created");
    assertThat(data.get("id").asText()).isEqualTo(agent.id());
    assertThat(data.get("workspace_id").asText()).isEqualTo(Workspace.DEFAULT_ID);
    assertThat(data.has("organization_id")).isTrue();
  }

  @Test
  void failedAttempts_areRetriedWithTheSameId_andA3xxIsAFailure() {
    AtomicInteger calls = new AtomicInteger();
    receiver.answer(() -> calls.incrementAndGet() == 1 ? 302 : calls.get() == 2 ? 500 : 204);
    WebhookEndpoint e = register(receiver.url(), "agent.created");
    startDispatcher(true);
    newAgent();
    await().atMost(Duration.ofSeconds(10)).until(() -> store.webhooks().pending(e.id()) == 0);
    assertThat(receiver.received()).hasSize(3).allSatisfy(r -> assertThat(r.verified()).isTrue());
    // The redirect was not followed: every request went to the registered URL.
    assertThat(receiver.received())
        .extracting(WebhookReceiver.Received::path)
        .containsOnly("/hook");
    assertThat(receiver.received())
        .extracting(WebhookReceiver.Received::id)
        .containsOnly(receiver.received().get(0).id());
    assertThat(reload(e).consecutiveFailures()).isZero();
  }

  @Test
  void twentyFailuresInARow_disableTheEndpoint_andReEnablingResumes() {
    receiver.answer(() -> 500);
    WebhookEndpoint e = register(receiver.url(), "agent.created");
    startDispatcher(true);
    newAgent();
    await().atMost(Duration.ofSeconds(20)).until(() -> !reload(e).enabled());
    assertThat(reload(e).disabledReason()).isEqualTo("consecutive_failures");
    assertThat(receiver.received()).hasSize(WebhookEndpoint.MAX_CONSECUTIVE_FAILURES);
    assertThat(store.webhooks().pending(e.id())).isEqualTo(1);

    receiver.answer(() -> 200);
    store
        .webhooks()
        .update(
            e.id(),
            x ->
                new WebhookEndpoint(
                    x.id(),
                    x.workspaceId(),
                    x.url(),
                    x.types(),
                    x.description(),
                    0,
                    null,
                    null,
                    x.createdAt(),
                    Instant.now()));
    await().atMost(Duration.ofSeconds(10)).until(() -> store.webhooks().pending(e.id()) == 0);
    assertThat(receiver.received()).hasSize(WebhookEndpoint.MAX_CONSECUTIVE_FAILURES + 1);
  }

  @Test
  void aLoopbackTarget_isRefusedAtDelivery_unlessAllowed() {
    WebhookEndpoint e = register(receiver.url(), "agent.created");
    startDispatcher(false);
    newAgent();
    await().atMost(Duration.ofSeconds(10)).until(() -> !reload(e).enabled());
    assertThat(reload(e).disabledReason()).isEqualTo("private_address");
    assertThat(receiver.received()).isEmpty();
  }

  @Test
  void aTestDelivery_isSignedAndReported() {
    WebhookEndpoint e = register(receiver.url(), "agent.created");
    startDispatcher(true);
    var result = dispatcher.sendTest(e);
    assertThat(result.success()).isTrue();
    assertThat(result.statusCode()).isEqualTo(200);
    assertThat(receiver.received())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.verified()).isTrue();
              assertThat(r.body()).contains("webhook.test", e.id());
            });
    receiver.answer(() -> 503);
    assertThat(dispatcher.sendTest(e).success()).isFalse();
    assertThat(reload(e).consecutiveFailures()).isZero();
  }
}
