package dev.agentry.testkit;

import static dev.agentry.testkit.StoreFixtures.draft;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.Agent;
import dev.agentry.core.Session;
import dev.agentry.core.SessionRepository;
import dev.agentry.core.SessionRepository.Lease;
import dev.agentry.core.SessionStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The sweep's claims ({@link SessionRepository#claimRunnable}) and lease renewal: which sessions a
 * node takes over on its own, and that two nodes never take the same one. The suites' databases may
 * hold other tests' sessions, so each test looks only at its own.
 */
public abstract class SessionClaimContract extends StoreTestBase {
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final int ALL = 100_000;

  private SessionRepository sessions() {
    return store.sessions();
  }

  private Agent agent() {
    return store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
  }

  /** A new session with {@code status}, and a queued {@code user.message} if {@code queued}. */
  protected final String session(SessionStatus status, boolean queued) {
    Instant at = StoreFixtures.uniqueEpoch();
    Session s = StoreFixtures.session(agent(), at).withStatus(status, at);
    return sessions().create(s, queued ? List.of(draft("user.message")) : List.of()).id();
  }

  private static Set<String> ids(List<Lease> leases) {
    Set<String> out = new HashSet<>();
    leases.forEach(l -> out.add(l.sessionId()));
    return out;
  }

  @Test
  void claim_takesRunningAndQueuedSessionsWithNoLease_notIdleTerminatedOrLiveOnes() {
    String running = session(SessionStatus.RUNNING, false);
    String rescheduling = session(SessionStatus.RESCHEDULING, false);
    String queued = session(SessionStatus.IDLE, true);
    String idle = session(SessionStatus.IDLE, false);
    String terminated = session(SessionStatus.TERMINATED, true);
    String held = session(SessionStatus.RUNNING, false);
    Instant now = Instant.now();
    sessions().tryLease(held, "b", now, TTL).orElseThrow();

    List<Lease> claimed = sessions().claimRunnable("a", now, TTL, ALL, Set.of());

    assertThat(ids(claimed))
        .contains(running, rescheduling, queued)
        .doesNotContain(idle, terminated, held);
    Lease lease = claimed.stream().filter(l -> l.sessionId().equals(running)).findFirst().get();
    assertThat(lease.owner()).isEqualTo("a");
    assertThat(sessions().tryLease(running, "c", now, TTL)).isEmpty(); // it is held now
    assertThat(sessions().tryLease(running, "a", now, TTL).orElseThrow().token())
        .isEqualTo(lease.token());
    assertThat(ids(sessions().claimRunnable("c", now, TTL, ALL, Set.of())))
        .doesNotContain(running, rescheduling, queued);
  }

  @Test
  void claim_takesExpiredLeasesWithALargerToken_andTheClaimersOwnAtOnceKeepingItsToken() {
    String expired = session(SessionStatus.RUNNING, false);
    String own = session(SessionStatus.RUNNING, false);
    Instant now = Instant.now();
    Lease dead = sessions().tryLease(expired, "b", now.minus(TTL.multipliedBy(2)), TTL).get();
    Lease mine = sessions().tryLease(own, "a", now, TTL).orElseThrow();

    List<Lease> claimed = sessions().claimRunnable("a", now, TTL, ALL, Set.of());

    Lease taken = claimed.stream().filter(l -> l.sessionId().equals(expired)).findFirst().get();
    assertThat(taken.token()).isGreaterThan(dead.token());
    Lease again = claimed.stream().filter(l -> l.sessionId().equals(own)).findFirst().get();
    assertThat(again.token()).isEqualTo(mine.token());
    assertThat(again.expiresAt()).isAfterOrEqualTo(mine.expiresAt());
    assertThat(taken.takenFrom()).as("another node's lost lease: a takeover").isEqualTo("b");
    assertThat(again.tookOver()).as("the claimer's own lease: not a takeover").isFalse();
  }

  @Test
  void claim_ofASessionNobodyHeld_orOneGivenBack_isNotATakeover() {
    String fresh = session(SessionStatus.RUNNING, false);
    String released = session(SessionStatus.RUNNING, false);
    Instant now = Instant.now();
    sessions().releaseLease(sessions().tryLease(released, "b", now, TTL).orElseThrow());

    List<Lease> claimed = sessions().claimRunnable("a", now, TTL, ALL, Set.of());

    assertThat(ids(claimed)).contains(fresh, released);
    assertThat(claimed.stream().filter(l -> Set.of(fresh, released).contains(l.sessionId())))
        .noneMatch(Lease::tookOver);
  }

  @Test
  void claim_leavesTheSkippedIds_andStopsAtTheLimit() {
    List<String> mine = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      mine.add(session(SessionStatus.RUNNING, false));
    }
    Instant now = Instant.now();
    assertThat(sessions().claimRunnable("a", now, TTL, 0, Set.of())).isEmpty();
    List<Lease> two = sessions().claimRunnable("a", now, TTL, 2, Set.of(mine.get(0)));
    assertThat(two).hasSize(2);
    assertThat(ids(two)).doesNotContain(mine.get(0));
    assertThat(ids(sessions().claimRunnable("b", now, TTL, ALL, Set.of())))
        .doesNotContainAnyElementsOf(ids(two));
  }

  @Test
  void claim_byManyNodesAtOnce_givesEachSessionToOneOfThem() throws Exception {
    Set<String> mine = new HashSet<>();
    for (int i = 0; i < 60; i++) {
      mine.add(session(i % 2 == 0 ? SessionStatus.RUNNING : SessionStatus.IDLE, i % 2 == 1));
    }
    ConcurrentLinkedQueue<String> claims = new ConcurrentLinkedQueue<>();
    try (ExecutorService nodes = Executors.newFixedThreadPool(4)) {
      List<Future<?>> done = new ArrayList<>();
      for (int n = 0; n < 4; n++) {
        String owner = "node-" + n;
        done.add(
            nodes.submit(
                () -> {
                  // Like a node's sweep: what it runs already is skipped, not claimed again.
                  Set<String> running = new HashSet<>();
                  for (int round = 0; round < 20; round++) {
                    for (Lease l :
                        sessions()
                            .claimRunnable(owner, Instant.now(), TTL, 7, Set.copyOf(running))) {
                      running.add(l.sessionId());
                      if (mine.contains(l.sessionId())) {
                        claims.add(l.sessionId());
                      }
                    }
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    assertThat(claims).doesNotHaveDuplicates();
    assertThat(new HashSet<>(claims)).isEqualTo(mine);
  }

  @Test
  void renewLease_extendsAHeldLease_evenAnExpiredOne_butNotOneGivenBackOrTaken() {
    String s = session(SessionStatus.RUNNING, false);
    Instant then = Instant.now().minus(TTL.multipliedBy(2));
    Lease a = sessions().tryLease(s, "a", then, TTL).orElseThrow();
    Lease renewed = sessions().renewLease(a, Instant.now(), TTL).orElseThrow();
    assertThat(renewed.token()).isEqualTo(a.token());
    assertThat(renewed.expiresAt()).isAfter(Instant.now());
    assertThat(sessions().tryLease(s, "b", Instant.now(), TTL)).isEmpty();

    sessions().releaseLease(renewed);
    assertThat(sessions().renewLease(a, Instant.now(), TTL)).isEmpty();
    Lease b = sessions().tryLease(s, "b", Instant.now(), TTL).orElseThrow();
    assertThat(sessions().renewLease(a, Instant.now(), TTL)).isEmpty();
    assertThat(sessions().tryLease(s, "c", Instant.now(), TTL)).isEmpty(); // b still holds it
    assertThat(sessions().renewLease(b, Instant.now(), TTL)).isPresent();
  }
}
