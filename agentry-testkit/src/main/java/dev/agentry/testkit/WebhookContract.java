package dev.agentry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.EventDraft;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.WebhookDelivery;
import dev.agentry.core.WebhookEndpoint;
import dev.agentry.core.WebhookEvent;
import dev.agentry.core.WebhookRepository;
import dev.agentry.core.Workspace;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Webhooks ({@link WebhookRepository}): the triggers that fill the outbox in the change's own
 * transaction, fan-out, claims that hand a delivery to one claimer at a time, and disabling.
 */
public abstract class WebhookContract extends StoreTestBase {
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final WebhookRepository.Renderer RENDER =
      (id, e) ->
          "{\"id\":\""
              + id
              + "\",\"type\":\""
              + e.type()
              + "\",\"resource\":\""
              + e.resourceId()
              + "\",\"related\":\""
              + e.relatedId()
              + "\"}";

  /** The suites share one PostgreSQL database per class: each test starts with no endpoint. */
  @BeforeEach
  void startWithoutEndpoints() {
    for (WebhookEndpoint e : repo().list(Workspace.DEFAULT_ID)) {
      repo().delete(e.id());
    }
    while (repo().fanOut(100, NOW, RENDER) > 0) {
      // drops what earlier tests left in the outbox: no endpoint wants it
    }
  }

  private WebhookRepository repo() {
    return store.webhooks();
  }

  private WebhookEndpoint endpoint(String... types) {
    return endpointIn(Workspace.DEFAULT_ID, types);
  }

  private WebhookEndpoint endpointIn(String workspaceId, String... types) {
    WebhookEndpoint e =
        new WebhookEndpoint(
            Ids.next(IdKind.WEBHOOK),
            workspaceId,
            "https://hooks.example.com/in",
            List.of(types),
            null,
            0,
            null,
            null,
            NOW,
            NOW);
    return repo().create(e, new byte[] {1, 2, 3});
  }

  /** Fans everything out and claims every due delivery. */
  private List<WebhookDelivery> drain() {
    while (repo().fanOut(100, NOW, RENDER) > 0) {
      // until the outbox is empty
    }
    return repo().claim(100, NOW, Duration.ofMinutes(1));
  }

  private static List<String> payloads(List<WebhookDelivery> deliveries) {
    return deliveries.stream().map(WebhookDelivery::payload).toList();
  }

  @Test
  void endpoints_roundTripWithTheirSealedSecret() {
    WebhookEndpoint e = endpoint("agent.created", "session.created");
    assertThat(repo().find(Workspace.DEFAULT_ID, e.id())).contains(e);
    assertThat(repo().find("wrkspc_other", e.id())).isEmpty();
    assertThat(repo().list(Workspace.DEFAULT_ID)).contains(e);
    assertThat(repo().sealedSecret(e.id())).hasValueSatisfying(s -> assertThat(s).hasSize(3));
    WebhookEndpoint changed =
        repo()
            .update(
                e.id(),
                x ->
                    new WebhookEndpoint(
                        x.id(),
                        x.workspaceId(),
                        "https://other.example.com/",
                        List.of("vault.created"),
                        "d",
                        0,
                        NOW,
                        "api",
                        x.createdAt(),
                        NOW.plusSeconds(1)));
    assertThat(changed.url()).isEqualTo("https://other.example.com/");
    assertThat(changed.types()).containsExactly("vault.created");
    assertThat(changed.enabled()).isFalse();
    assertThat(repo().delete(e.id())).isTrue();
    assertThat(repo().find(Workspace.DEFAULT_ID, e.id())).isEmpty();
  }

  @Test
  void withNoEnabledEndpoint_changesLeaveNothingInTheOutbox() {
    store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    assertThat(repo().fanOut(100, NOW, RENDER)).isZero();
  }

  @Test
  void anythingToDeliver_whileAnEndpointIsEnabled_orTheOutboxHoldsARow() {
    assertThat(repo().anythingToDeliver()).isFalse();
    WebhookEndpoint e = endpoint("agent.created");
    assertThat(repo().anythingToDeliver()).isTrue();
    store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    repo().disable(e.id(), "api", NOW);
    assertThat(repo().anythingToDeliver()).isTrue(); // the agent's row still waits
    drain();
    assertThat(repo().anythingToDeliver()).isFalse();
  }

  @Test
  void aCreatedAgent_isDeliveredToTheEndpointsThatWantIt_only() {
    WebhookEndpoint wants = endpoint("agent.created");
    WebhookEndpoint other = endpoint("vault.created");
    var agent = store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    List<WebhookDelivery> due = drain();
    assertThat(due).extracting(WebhookDelivery::endpointId).containsExactly(wants.id());
    assertThat(due.get(0).payload()).contains("agent.created", agent.id());
    assertThat(due.get(0).attempts()).isEqualTo(1);
    assertThat(repo().pending(other.id())).isZero();
  }

  @Test
  void sessionStatusChanges_andThreads_comeFromTheEventLog() {
    endpoint(
        "session.created",
        "session.status_run_started",
        "session.status_idled",
        "session.requires_action",
        "session.thread_created");
    String session = newSession();
    store
        .events()
        .append(
            session,
            List.of(
                EventDraft.of("session.status_running", "{}", null),
                EventDraft.of("session.thread_created", "{\"session_thread_id\":\"sthr_1\"}", null),
                EventDraft.of(
                    "session.status_idle",
                    "{\"stop_reason\":{\"type\":\"requires_action\",\"event_ids\":[]}}",
                    null)));
    List<String> sent = payloads(drain());
    assertThat(sent)
        .anySatisfy(p -> assertThat(p).contains("\"session.created\"", session))
        .anySatisfy(p -> assertThat(p).contains("\"session.status_run_started\"", session))
        .anySatisfy(p -> assertThat(p).contains("\"session.status_idled\"", session))
        .anySatisfy(p -> assertThat(p).contains("\"session.requires_action\"", session))
        .anySatisfy(p -> assertThat(p).contains("\"session.thread_created\"", "sthr_1"))
        .hasSize(5);
  }

  @Test
  void vaultCredentials_carryTheirVault_andArchivesAreReported() {
    endpoint("vault.created", "vault.archived", "vault_credential.created");
    var vault = store.vaults().create(StoreFixtures.vault(StoreFixtures.uniqueEpoch()));
    store.vaults().createCredential(StoreFixtures.credential(vault.id(), NOW));
    store.vaults().archive(vault.id(), NOW);
    List<String> sent = payloads(drain());
    assertThat(sent)
        .anySatisfy(p -> assertThat(p).contains("\"vault.created\"", vault.id()))
        .anySatisfy(p -> assertThat(p).contains("\"vault.archived\"", vault.id()))
        .anySatisfy(p -> assertThat(p).contains("\"vault_credential.created\"", vault.id()))
        .hasSize(3);
  }

  @Test
  void anEvent_reachesOnlyItsOwnWorkspacesEndpoints() {
    WebhookEndpoint mine = endpoint("deployment.created");
    WebhookEndpoint theirs = endpointIn("wrkspc_other", "deployment.created");
    try {
      repo()
          .publish(
              new WebhookEvent("deployment.created", "depl_2", Workspace.DEFAULT_ID, null, NOW));
      assertThat(drain()).extracting(WebhookDelivery::endpointId).containsExactly(mine.id());
      assertThat(repo().pending(theirs.id())).isZero();
    } finally {
      repo().delete(theirs.id());
    }
  }

  @Test
  void publish_queuesAnEventNoTriggerSees() {
    endpoint("deployment.created");
    repo()
        .publish(new WebhookEvent("deployment.created", "depl_1", Workspace.DEFAULT_ID, null, NOW));
    assertThat(payloads(drain())).singleElement().asString().contains("depl_1");
  }

  @Test
  void aClaimedDelivery_isHiddenUntilItsHoldEnds_andKeepsItsEventId() {
    endpoint("agent.created");
    store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    WebhookDelivery first = drain().get(0);
    assertThat(repo().claim(10, NOW.plusSeconds(59), Duration.ofMinutes(1))).isEmpty();
    List<WebhookDelivery> again = repo().claim(10, NOW.plusSeconds(61), Duration.ofMinutes(1));
    assertThat(again)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.eventId()).isEqualTo(first.eventId());
              assertThat(d.payload()).isEqualTo(first.payload());
              assertThat(d.attempts()).isEqualTo(2);
            });
  }

  @Test
  void aSucceededDelivery_isGone_andResetsTheFailureCount() {
    WebhookEndpoint e = endpoint("agent.created");
    store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    List<WebhookDelivery> due = drain();
    repo().failed(due.get(0), "HTTP 500", NOW, NOW);
    assertThat(repo().find(Workspace.DEFAULT_ID, e.id()).orElseThrow().consecutiveFailures())
        .isEqualTo(1);
    repo().succeeded(due.get(1));
    assertThat(repo().find(Workspace.DEFAULT_ID, e.id()).orElseThrow().consecutiveFailures())
        .isZero();
    assertThat(repo().pending(e.id())).isEqualTo(1);
  }

  @Test
  void twentyConsecutiveFailures_disableTheEndpoint_andItsDeliveriesWait() {
    WebhookEndpoint e = endpoint("agent.created");
    store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    WebhookDelivery d = drain().get(0);
    for (int i = 1; i < WebhookEndpoint.MAX_CONSECUTIVE_FAILURES; i++) {
      assertThat(repo().failed(d, "HTTP 500", NOW, NOW).orElseThrow().enabled())
          .as("" + i)
          .isTrue();
    }
    WebhookEndpoint after = repo().failed(d, "HTTP 500", NOW, NOW).orElseThrow();
    assertThat(after.enabled()).isFalse();
    assertThat(after.disabledReason()).isEqualTo("consecutive_failures");
    assertThat(repo().claim(10, NOW, Duration.ofMinutes(1))).isEmpty();
    assertThat(repo().pending(e.id())).isEqualTo(1);
  }

  @Test
  void theOutboxAndDeliveries_surviveAReopen() {
    WebhookEndpoint e = endpoint("agent.created");
    store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    reopen();
    assertThat(repo().fanOut(100, NOW, RENDER)).isEqualTo(1);
    reopen();
    assertThat(repo().pending(e.id())).isEqualTo(1);
    assertThat(repo().claim(10, NOW, Duration.ofMinutes(1))).hasSize(1);
  }

  @Test
  void concurrentClaimers_neverTakeTheSameDelivery() throws Exception {
    endpoint("agent.created");
    for (int i = 0; i < 40; i++) {
      store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    }
    while (repo().fanOut(100, NOW, RENDER) > 0) {
      // until the outbox is empty
    }
    Set<String> seen = ConcurrentHashMap.newKeySet();
    List<String> all = Collections.synchronizedList(new ArrayList<>());
    runConcurrently(
        4,
        t -> {
          // Bounded, so that claims that hide nothing fail the test rather than spin forever.
          for (int round = 0; round < 40; round++) {
            List<WebhookDelivery> mine = repo().claim(3, NOW, Duration.ofMinutes(1));
            if (mine.isEmpty()) {
              return;
            }
            for (WebhookDelivery d : mine) {
              seen.add(d.eventId());
              all.add(d.eventId());
            }
          }
        });
    assertThat(all).hasSize(40);
    assertThat(seen).hasSize(40);
  }
}
