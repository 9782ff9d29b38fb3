package dev.agentry.testkit;

import static dev.agentry.testkit.StoreFixtures.draft;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.Agent;
import dev.agentry.core.EventDraft;
import dev.agentry.core.Session;
import dev.agentry.core.SessionCommit;
import dev.agentry.core.SessionRepository;
import dev.agentry.core.SessionRepository.Lease;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.SessionUsage;
import dev.agentry.core.StoreException;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sessions' leases and fenced commits: who may write a session's log, and the one-transaction step
 * commit of the harness (ADR 0017).
 */
public abstract class SessionLeaseContract extends StoreTestBase {
  private static final Duration TTL = Duration.ofSeconds(30);

  private SessionRepository sessions() {
    return store.sessions();
  }

  private Agent agent() {
    return store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
  }

  @Test
  void tryLease_onFreeSession_givesAToken_andRenewsForTheSameOwner() {
    String s =
        sessions()
            .create(StoreFixtures.session(agent(), StoreFixtures.uniqueEpoch()), List.of())
            .id();
    Instant now = Instant.now();
    Lease first = sessions().tryLease(s, "a", now, TTL).orElseThrow();
    assertThat(first.expiresAt()).isEqualTo(Timestamps.truncate(now.plus(TTL)));
    Lease renewed = sessions().tryLease(s, "a", now.plusSeconds(10), TTL).orElseThrow();
    assertThat(renewed.token()).isEqualTo(first.token());
    assertThat(renewed.expiresAt()).isAfter(first.expiresAt());
  }

  @Test
  void tryLease_heldByAnotherOwner_isRefusedUntilItExpires() {
    String s =
        sessions()
            .create(StoreFixtures.session(agent(), StoreFixtures.uniqueEpoch()), List.of())
            .id();
    Instant now = Instant.now();
    Lease a = sessions().tryLease(s, "a", now, TTL).orElseThrow();
    assertThat(sessions().tryLease(s, "b", now.plusSeconds(29), TTL)).isEmpty();
    Lease b = sessions().tryLease(s, "b", now.plus(TTL), TTL).orElseThrow();
    assertThat(b.token()).isGreaterThan(a.token());
    assertThat(sessions().tryLease(s, "a", now.plusSeconds(31), TTL)).isEmpty();
  }

  @Test
  void releaseLease_freesIt_andTheNextOwnerGetsALargerToken() {
    String s =
        sessions()
            .create(StoreFixtures.session(agent(), StoreFixtures.uniqueEpoch()), List.of())
            .id();
    Instant now = Instant.now();
    Lease a = sessions().tryLease(s, "a", now, TTL).orElseThrow();
    sessions().releaseLease(a);
    Lease b = sessions().tryLease(s, "b", now, TTL).orElseThrow();
    assertThat(b.token()).isGreaterThan(a.token());
    sessions().releaseLease(a);
    assertThat(sessions().tryLease(s, "c", now, TTL)).isEmpty();
    Lease again = sessions().tryLease(s, "a", now.plus(TTL), TTL).orElseThrow();
    assertThat(again.token()).isGreaterThan(b.token());
  }

  @Test
  void commit_changesTheRecord_appendsFixedThenDerivedEvents_andMarksProcessed_atOnce()
      throws InterruptedException {
    Session s =
        sessions()
            .create(
                StoreFixtures.session(agent(), StoreFixtures.uniqueEpoch()),
                List.of(draft("user.message"), draft("user.message")));
    List<StoredEvent> queued = store.events().readAfter(s.id(), 0, 10);
    Lease lease = sessions().tryLease(s.id(), "a", Instant.now(), TTL).orElseThrow();
    List<StoredEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.CountDownLatch both = new java.util.concurrent.CountDownLatch(2);
    var sub =
        store
            .events()
            .subscribe(
                s.id(),
                e -> {
                  seen.add(e);
                  both.countDown();
                });
    Instant at = Instant.parse("2026-02-03T04:05:06.123456Z");

    SessionCommit.Result r =
        sessions()
            .commit(
                s.id(),
                lease.token(),
                SessionCommit.of(List.of(draft("session.status_running")))
                    .andChange(x -> x.withStatus(SessionStatus.RUNNING, x.updatedAt()))
                    .andChange(x -> x.withUsage(new SessionUsage(7, 0, 0, 0, 0)))
                    .andDerived(
                        x ->
                            List.of(
                                EventDraft.of(
                                    "session.usage",
                                    "{\"input_tokens\":" + x.usage().inputTokens() + "}",
                                    null)))
                    .andProcessed(List.of(queued.get(1).id()), at));

    assertThat(r.appended()).extracting(StoredEvent::seq).containsExactly(3L, 4L);
    assertThat(r.appended())
        .extracting(StoredEvent::type)
        .containsExactly("session.status_running", "session.usage");
    assertThat(r.appended().get(1).payload()).isEqualTo("{\"input_tokens\":7}");
    assertThat(r.processed()).extracting(StoredEvent::id).containsExactly(queued.get(1).id());
    assertThat(r.processed().get(0).processedAt()).isEqualTo(at);
    Session after = sessions().find(s.id()).orElseThrow();
    assertThat(after.status()).isEqualTo(SessionStatus.RUNNING);
    assertThat(after.usage().inputTokens()).isEqualTo(7);
    List<StoredEvent> log = store.events().readAfter(s.id(), 0, 10);
    assertThat(log).hasSize(4);
    assertThat(log.get(0).processedAt()).isNull();
    assertThat(log.get(1).processedAt()).isEqualTo(at);
    assertThat(both.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(seen).containsExactlyElementsOf(r.appended());
    sub.close();

    SessionCommit.Result onlyMark =
        sessions()
            .commit(
                s.id(),
                lease.token(),
                SessionCommit.of(List.of()).andProcessed(List.of(queued.get(1).id()), at));
    assertThat(onlyMark.appended()).isEmpty();
    assertThat(onlyMark.processed()).isEmpty(); // marked already: processed_at is set once
  }

  @Test
  void commit_afterStaleFencingToken_isRefused_andWritesNothing() {
    String s =
        sessions()
            .create(
                StoreFixtures.session(agent(), StoreFixtures.uniqueEpoch()),
                List.of(draft("user.message")))
            .id();
    String queued = store.events().readAfter(s, 0, 1).get(0).id();
    Instant now = Instant.now();
    Lease a = sessions().tryLease(s, "a", now, TTL).orElseThrow();
    sessions().tryLease(s, "b", now.plus(TTL), TTL).orElseThrow();

    SessionCommit write =
        SessionCommit.of(List.of(draft("agent.message")))
            .andChange(x -> x.withStatus(SessionStatus.RUNNING, x.updatedAt()))
            .andDerived(x -> List.of(draft("session.usage")))
            .andProcessed(List.of(queued), now);
    assertThatThrownBy(() -> sessions().commit(s, a.token(), write))
        .isInstanceOf(StoreException.StaleFence.class);
    assertThatThrownBy(() -> sessions().commit(s, a.token(), SessionCommit.of(List.of())))
        .isInstanceOf(StoreException.StaleFence.class);
    assertThat(sessions().find(s).orElseThrow().status()).isEqualTo(SessionStatus.IDLE);
    List<StoredEvent> log = store.events().readAfter(s, 0, 10);
    assertThat(log).hasSize(1);
    assertThat(log.get(0).processedAt()).isNull();
    assertThat(store.events().append(s, List.of(draft("x"))).get(0).seq()).isEqualTo(2);
  }

  @Test
  void commitTakingLease_whileStillFree_takesALargerToken_andCommitsUnderIt() {
    String s =
        sessions()
            .create(
                StoreFixtures.session(agent(), StoreFixtures.uniqueEpoch()),
                List.of(draft("user.message")))
            .id();
    String queued = store.events().readAfter(s, 0, 1).get(0).id();
    Instant now = Instant.now();
    Lease before = sessions().tryLease(s, "a", now, TTL).orElseThrow();
    sessions().releaseLease(before);
    long free = sessions().freeLease(s).orElseThrow();

    SessionRepository.LeasedCommit taken =
        sessions()
            .commitTakingLease(
                s,
                "b",
                free,
                now,
                TTL,
                SessionCommit.of(List.of(draft("session.status_running")))
                    .andChange(x -> x.withStatus(SessionStatus.RUNNING, x.updatedAt()))
                    .andProcessed(List.of(queued), now))
            .orElseThrow();

    assertThat(taken.lease().token()).isGreaterThan(before.token());
    assertThat(taken.lease().owner()).isEqualTo("b");
    assertThat(taken.result().appended()).extracting(StoredEvent::seq).containsExactly(2L);
    assertThat(taken.result().processed()).extracting(StoredEvent::id).containsExactly(queued);
    assertThat(sessions().find(s).orElseThrow().status()).isEqualTo(SessionStatus.RUNNING);
    assertThat(sessions().freeLease(s)).isEmpty(); // held now
    assertThat(sessions().tryLease(s, "c", now, TTL)).isEmpty();
    assertThat(sessions().commit(s, taken.lease().token(), SessionCommit.of(List.of(draft("x")))))
        .isNotNull();
    assertThatThrownBy(() -> sessions().commit(s, before.token(), SessionCommit.of(List.of())))
        .isInstanceOf(StoreException.StaleFence.class);
  }

  @Test
  void commitTakingLease_afterAnyoneTookTheLease_writesNothing_evenIfItWasGivenBack() {
    String s =
        sessions()
            .create(StoreFixtures.session(agent(), StoreFixtures.uniqueEpoch()), List.of())
            .id();
    Instant now = Instant.now();
    long free = sessions().freeLease(s).orElseThrow();
    SessionCommit write =
        SessionCommit.of(List.of(draft("agent.message")))
            .andChange(x -> x.withStatus(SessionStatus.RUNNING, x.updatedAt()));

    Lease other = sessions().tryLease(s, "other", now, TTL).orElseThrow();
    assertThat(sessions().freeLease(s)).isEmpty();
    assertThat(sessions().commitTakingLease(s, "a", free, now, TTL, write)).isEmpty();
    // Given back: still refused, the other owner may have written meanwhile.
    sessions().releaseLease(other);
    assertThat(sessions().commitTakingLease(s, "a", free, now.plus(TTL), TTL, write)).isEmpty();

    assertThat(store.events().readAfter(s, 0, 10)).isEmpty();
    assertThat(sessions().find(s).orElseThrow().status()).isEqualTo(SessionStatus.IDLE);
    long again = sessions().freeLease(s).orElseThrow();
    assertThat(again).isEqualTo(other.token());
    assertThat(sessions().commitTakingLease(s, "a", again, now, TTL, write)).isPresent();
    assertThat(store.events().readAfter(s, 0, 10)).hasSize(1);
  }

  @Test
  void freeLease_andCommitTakingLease_onUnknownSession_areNotFound() {
    assertThatThrownBy(() -> sessions().freeLease("sesn_missing"))
        .isInstanceOf(StoreException.NotFound.class);
    assertThatThrownBy(
            () ->
                sessions()
                    .commitTakingLease(
                        "sesn_missing", "a", 0, Instant.now(), TTL, SessionCommit.of(List.of())))
        .isInstanceOf(StoreException.NotFound.class);
  }

  @Test
  void commit_onUnknownSession_isNotFound() {
    assertThatThrownBy(
            () ->
                sessions()
                    .commit(
                        "sesn_missing", 1, SessionCommit.of(List.of(draft("x"))).andChange(x -> x)))
        .isInstanceOf(StoreException.NotFound.class);
    assertThatThrownBy(() -> sessions().commit("sesn_missing", 1, SessionCommit.of(List.of())))
        .isInstanceOf(StoreException.NotFound.class);
  }

  @Test
  void tryLease_onUnknownSession_isNotFound() {
    assertThatThrownBy(() -> sessions().tryLease("sesn_missing", "a", Instant.now(), TTL))
        .isInstanceOf(StoreException.NotFound.class);
  }
}
