package dev.agentry.testkit;

import static dev.agentry.testkit.StoreFixtures.draft;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.Agent;
import dev.agentry.core.EventDraft;
import dev.agentry.core.Json;
import dev.agentry.core.PageKey;
import dev.agentry.core.PageRequest;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.Session;
import dev.agentry.core.SessionBudget;
import dev.agentry.core.SessionFilter;
import dev.agentry.core.SessionHead;
import dev.agentry.core.SessionRepository;
import dev.agentry.core.SessionRepository.Lease;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.SessionUsage;
import dev.agentry.core.SortOrder;
import dev.agentry.core.StoreException;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.TimeRange;
import dev.agentry.core.Timestamps;
import dev.agentry.core.Workspace;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Sessions: atomic creation with their first events, updates, listings, leases. */
public abstract class SessionStoreContract extends StoreTestBase {
  private static final Duration TTL = Duration.ofSeconds(30);

  private SessionRepository sessions() {
    return store.sessions();
  }

  private Agent agent() {
    return store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
  }

  @Test
  void countByStatus_countsEverySessionByItsStatus_withZeroForTheRest() {
    var before = sessions().countByStatus();
    assertThat(before).containsOnlyKeys(SessionStatus.values());
    Agent agent = agent();
    Instant base = StoreFixtures.uniqueEpoch();
    sessions().create(StoreFixtures.session(agent, base), List.of());
    Session running =
        sessions().create(StoreFixtures.session(agent, base.plusSeconds(1)), List.of());
    sessions().update(running.id(), x -> x.withStatus(SessionStatus.RUNNING, base.plusSeconds(2)));
    var after = sessions().countByStatus();
    assertThat(after.get(SessionStatus.IDLE)).isEqualTo(before.get(SessionStatus.IDLE) + 1);
    assertThat(after.get(SessionStatus.RUNNING)).isEqualTo(before.get(SessionStatus.RUNNING) + 1);
    assertThat(after.get(SessionStatus.TERMINATED)).isEqualTo(before.get(SessionStatus.TERMINATED));
    sessions().delete(running.id());
    assertThat(sessions().countByStatus().get(SessionStatus.RUNNING))
        .isEqualTo(before.get(SessionStatus.RUNNING));
  }

  @Test
  void createSession_roundTripsTheWholeRecord() {
    Session s =
        StoreFixtures.session(agent(), Instant.parse("2026-03-04T05:06:07.123456789Z"))
            .withUsage(new SessionUsage(1, 2, 3, 4, 5.5, 6, 7))
            .withBudget(
                SessionBudget.limit("250", "USD"), Instant.parse("2026-03-04T05:06:07.123456789Z"));
    Session stored = sessions().create(s, List.of());
    assertThat(stored.usage()).isEqualTo(s.usage());
    assertThat(stored.createdAt()).isEqualTo(Timestamps.truncate(s.createdAt()));
    assertThat(sessions().find(s.id())).contains(stored);
    assertThat(stored.agent()).isEqualTo(s.agent());
    SessionHead head = sessions().head(Workspace.DEFAULT_ID, s.id()).orElseThrow();
    assertThat(head).isEqualTo(SessionHead.of(stored));
    assertThat(head.model()).isEqualTo(s.agent().spec().model().id());
    assertThat(head.usage()).isEqualTo(s.usage());
    assertThat(head.budget()).isEqualTo(s.budget());
    assertThat(sessions().find("sesn_missing")).isEmpty();
  }

  @Test
  void resources_areTheRecordsResources_asEachChangeLeavesThem() {
    Instant base = StoreFixtures.uniqueEpoch();
    Session s = sessions().create(StoreFixtures.session(agent(), base), List.of());
    assertThat(sessions().resources(s.id())).contains(s.resources());

    List<com.fasterxml.jackson.databind.JsonNode> mounted =
        List.of(
            Json.mapper()
                .createObjectNode()
                .put("type", "memory_store")
                .put("memory_store_id", "memstore_contract"));
    Session changed = sessions().update(s.id(), x -> x.withResources(mounted, base.plusSeconds(1)));
    assertThat(sessions().resources(s.id())).contains(mounted).contains(changed.resources());

    sessions().update(s.id(), x -> x.withResources(List.of(), base.plusSeconds(2)));
    assertThat(sessions().resources(s.id())).contains(List.of());
    assertThat(sessions().resources("sesn_missing")).isEmpty();
  }

  @Test
  void sessions_scopedMethodsSeeOnlyTheirWorkspace_unscopedOnesSeeAll() {
    String a = dev.agentry.core.Ids.next(dev.agentry.core.IdKind.WORKSPACE);
    String b = dev.agentry.core.Ids.next(dev.agentry.core.IdKind.WORKSPACE);
    store.workspaces().create(new dev.agentry.core.Workspace(a, "a", Instant.now()));
    store.workspaces().create(new dev.agentry.core.Workspace(b, "b", Instant.now()));
    Agent agent = store.agents().create(a, StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    Instant base = StoreFixtures.uniqueEpoch();
    Session inA =
        sessions().create(a, StoreFixtures.session(agent, base), List.of(draft("user.message")));
    Session inB =
        sessions().create(b, StoreFixtures.session(agent, base.plusSeconds(1)), List.of());
    assertThat(sessions().find(a, inA.id())).contains(inA);
    assertThat(sessions().find(b, inA.id())).isEmpty();
    assertThat(sessions().head(a, inA.id())).contains(SessionHead.of(inA));
    assertThat(sessions().head(b, inA.id())).isEmpty();
    assertThat(sessions().head(a, "sesn_missing")).isEmpty();
    assertThat(sessions().find(inA.id())).contains(inA);
    assertThat(store.events().readAfter(inA.id(), 0, 10)).hasSize(1);
    Session updated = sessions().update(inA.id(), x -> x.archived(base.plusSeconds(5)));
    assertThat(sessions().find(a, inA.id())).contains(updated);
    assertThat(sessions().head(a, inA.id())).contains(SessionHead.of(updated));
    SessionFilter all =
        new SessionFilter(null, null, Set.of(), new ResourceFilter(true, TimeRange.ALL));
    PageRequest first = PageRequest.first(20, SortOrder.ASC);
    assertThat(sessions().list(a, all, first).items()).containsExactly(updated);
    assertThat(sessions().list(b, all, first).items()).containsExactly(inB);
    assertThat(
            sessions()
                .list(
                    a, new SessionFilter(agent.id(), null, Set.of(), ResourceFilter.ACTIVE), first)
                .items())
        .isEmpty();
    assertThat(sessions().delete(inA.id())).isTrue();
    assertThat(sessions().find(a, inA.id())).isEmpty();
  }

  @Test
  void resourceTokens_areStoredPerResource_replacedOnPut_andGoWithTheirSession() {
    Session s =
        sessions().create(StoreFixtures.session(agent(), StoreFixtures.uniqueEpoch()), List.of());
    var tokens = store.resourceTokens();
    Instant at = Instant.parse("2026-05-06T07:08:09Z");
    tokens.put(s.id(), "sesrsc_a", new byte[] {1, 2, 3}, at);
    tokens.put(s.id(), "sesrsc_b", new byte[] {4}, at);
    tokens.put(s.id(), "sesrsc_a", new byte[] {9, 9}, at.plusSeconds(1));
    assertThat(tokens.find(s.id(), "sesrsc_a"))
        .hasValueSatisfying(b -> assertThat(b).containsExactly(9, 9));
    assertThat(tokens.all(s.id())).containsOnlyKeys("sesrsc_a", "sesrsc_b");
    assertThat(tokens.find(s.id(), "sesrsc_c")).isEmpty();
    assertThat(tokens.delete(s.id(), "sesrsc_b")).isTrue();
    assertThat(tokens.delete(s.id(), "sesrsc_b")).isFalse();
    assertThat(tokens.all(s.id())).containsOnlyKeys("sesrsc_a");
    assertThat(sessions().workspaceOf(s.id())).hasValue(dev.agentry.core.Workspace.DEFAULT_ID);
    sessions().delete(s.id());
    assertThat(tokens.all(s.id())).isEmpty();
    assertThat(sessions().workspaceOf(s.id())).isEmpty();
  }

  @Test
  void createSession_withInitialEvents_isAtomic() {
    Instant processed = Instant.parse("2026-01-01T00:00:00Z");
    EventDraft a = new EventDraft("sevt_a" + System.nanoTime(), "user.message", "{}", processed);
    Session s = StoreFixtures.session(agent(), StoreFixtures.uniqueEpoch());
    sessions().create(s, List.of(a, draft("user.message")));
    List<StoredEvent> log = store.events().readAfter(s.id(), 0, 10);
    assertThat(log).extracting(StoredEvent::seq).containsExactly(1L, 2L);
    assertThat(log.get(0).processedAt()).isEqualTo(processed);
    assertThat(log.get(1).processedAt()).isNull();
    assertThat(store.events().append(s.id(), List.of(draft("x"))).get(0).seq()).isEqualTo(3);

    Session clash = StoreFixtures.session(agent(), StoreFixtures.uniqueEpoch());
    assertThatThrownBy(() -> sessions().create(clash, List.of(draft("x"), a)))
        .isInstanceOf(StoreException.Conflict.class);
    assertThat(sessions().find(clash.id())).isEmpty();
    assertThat(store.events().lastSeq(clash.id())).isZero();
  }

  @Test
  void createSession_withTakenId_conflicts() {
    Session s =
        sessions().create(StoreFixtures.session(agent(), StoreFixtures.uniqueEpoch()), List.of());
    assertThatThrownBy(() -> sessions().create(s, List.of()))
        .isInstanceOf(StoreException.Conflict.class);
  }

  @Test
  void update_appliesTheChangeAtomically() throws Exception {
    Session s =
        sessions().create(StoreFixtures.session(agent(), StoreFixtures.uniqueEpoch()), List.of());
    runConcurrently(
        8,
        t -> {
          for (int i = 0; i < 20; i++) {
            sessions().update(s.id(), x -> withUsage(x, x.usage().inputTokens() + 1));
          }
        });
    Session after =
        sessions().update(s.id(), x -> x.withStatus(SessionStatus.RUNNING, x.updatedAt()));
    assertThat(after.usage().inputTokens()).isEqualTo(160);
    assertThat(sessions().find(s.id()).orElseThrow().status()).isEqualTo(SessionStatus.RUNNING);
    assertThatThrownBy(() -> sessions().update("sesn_missing", x -> x))
        .isInstanceOf(StoreException.NotFound.class);
  }

  private static Session withUsage(Session s, long inputTokens) {
    return s.withUsage(new SessionUsage(inputTokens, 0, 0, 0, 0));
  }

  @Test
  void delete_removesTheSessionAndItsLog() {
    Session s =
        sessions()
            .create(
                StoreFixtures.session(agent(), StoreFixtures.uniqueEpoch()), List.of(draft("x")));
    store.events().append(s.id(), List.of(draft("y")));
    assertThat(sessions().delete(s.id())).isTrue();
    assertThat(sessions().delete(s.id())).isFalse();
    assertThat(sessions().find(s.id())).isEmpty();
    assertThat(store.events().lastSeq(s.id())).isZero();
    assertThatThrownBy(() -> store.events().append(s.id(), List.of(draft("z"))))
        .isInstanceOf(StoreException.NotFound.class);
    sessions().create(s, List.of());
    assertThat(store.events().append(s.id(), List.of(draft("z"))).get(0).seq()).isEqualTo(1);
  }

  @Test
  void list_filtersByAgentVersionStatusAndArchive_andPagesBothWays() {
    Instant base = StoreFixtures.uniqueEpoch();
    Agent a = agent();
    Agent b = agent();
    List<Session> made = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      Session s = StoreFixtures.session(i % 3 == 0 ? b : a, base.plusSeconds(i / 2));
      made.add(sessions().create(s, List.of()));
    }
    sessions().update(made.get(1).id(), x -> x.withStatus(SessionStatus.RUNNING, x.updatedAt()));
    sessions().update(made.get(2).id(), x -> x.archived(base));
    TimeRange window = new TimeRange(null, base, base.plusSeconds(3600), null);
    ResourceFilter active = new ResourceFilter(false, window);
    List<Session> all =
        walkForward(
            5,
            SortOrder.ASC,
            r -> sessions().list(new SessionFilter(null, null, Set.of(), active), r),
            SessionStoreContract::key);
    assertThat(all).extracting(Session::id).hasSize(11).doesNotContain(made.get(2).id());
    assertThat(all)
        .isSortedAccordingTo(
            (x, y) ->
                x.createdAt().equals(y.createdAt())
                    ? x.id().compareTo(y.id())
                    : x.createdAt().compareTo(y.createdAt()));
    List<Session> desc =
        walkForward(
            4,
            SortOrder.DESC,
            r ->
                sessions()
                    .list(
                        new SessionFilter(null, null, Set.of(), new ResourceFilter(true, window)),
                        r),
            SessionStoreContract::key);
    assertThat(desc).hasSize(12);
    assertThat(
            walkBackward(
                3,
                SortOrder.DESC,
                key(desc.get(11)),
                r ->
                    sessions()
                        .list(
                            new SessionFilter(
                                null, null, Set.of(), new ResourceFilter(true, window)),
                            r),
                SessionStoreContract::key))
        .isEqualTo(desc.subList(0, 11));
    assertThat(
            sessions()
                .list(
                    new SessionFilter(b.id(), 1, Set.of(), active),
                    PageRequest.first(20, SortOrder.ASC))
                .items())
        .hasSize(4);
    assertThat(
            sessions()
                .list(
                    new SessionFilter(a.id(), 2, Set.of(), active),
                    PageRequest.first(20, SortOrder.ASC))
                .items())
        .isEmpty();
    assertThat(
            sessions()
                .list(
                    new SessionFilter(null, null, Set.of(SessionStatus.RUNNING), active),
                    PageRequest.first(20, SortOrder.ASC))
                .items())
        .extracting(Session::id)
        .containsExactly(made.get(1).id());
  }

  private static PageKey key(Session s) {
    return new PageKey(Timestamps.toMicros(s.createdAt()), s.id());
  }

  @Test
  void withPendingWork_findsRunningAndQueuedSessions_notIdleOrTerminatedOnes() {
    Instant at = StoreFixtures.uniqueEpoch();
    Session running = StoreFixtures.session(agent(), at).withStatus(SessionStatus.RUNNING, at);
    Session rescheduling =
        StoreFixtures.session(agent(), at).withStatus(SessionStatus.RESCHEDULING, at);
    Session queued = StoreFixtures.session(agent(), at);
    Session idle = StoreFixtures.session(agent(), at);
    Session terminated =
        StoreFixtures.session(agent(), at).withStatus(SessionStatus.TERMINATED, at);
    sessions().create(running, List.of());
    sessions().create(rescheduling, List.of());
    sessions().create(queued, List.of(draft("user.message")));
    sessions().create(idle, List.of());
    sessions().create(terminated, List.of(draft("user.message")));
    String queuedEvent = store.events().readAfter(queued.id(), 0, 1).get(0).id();

    List<String> pending = sessions().withPendingWork(100_000);
    assertThat(pending).contains(running.id(), rescheduling.id(), queued.id());
    assertThat(pending).doesNotContain(idle.id(), terminated.id());

    store.events().markProcessed(queued.id(), List.of(queuedEvent), Instant.now());
    assertThat(sessions().withPendingWork(100_000)).doesNotContain(queued.id());
  }

  @Test
  void sessionsAndLeases_surviveCloseAndReopen() {
    Session s =
        sessions().create(StoreFixtures.session(agent(), StoreFixtures.uniqueEpoch()), List.of());
    Instant now = Instant.now();
    Lease a = sessions().tryLease(s.id(), "a", now, TTL).orElseThrow();
    reopen();
    assertThat(sessions().find(s.id())).contains(s);
    assertThat(sessions().tryLease(s.id(), "b", now, TTL)).isEmpty();
    assertThat(sessions().tryLease(s.id(), "b", now.plus(TTL), TTL).orElseThrow().token())
        .isGreaterThan(a.token());
  }
}
