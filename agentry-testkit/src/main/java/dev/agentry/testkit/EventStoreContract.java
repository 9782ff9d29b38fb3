package dev.agentry.testkit;

import static dev.agentry.testkit.StoreFixtures.draft;
import static dev.agentry.testkit.StoreFixtures.drafts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.EventDraft;
import dev.agentry.core.EventQuery;
import dev.agentry.core.EventStore;
import dev.agentry.core.Page;
import dev.agentry.core.PageKey;
import dev.agentry.core.PageRequest;
import dev.agentry.core.SessionRepository.Lease;
import dev.agentry.core.SortOrder;
import dev.agentry.core.StoreException;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.TimeRange;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The guarantees of {@link EventStore}: numbering, atomicity, fences, listings. */
public abstract class EventStoreContract extends StoreTestBase {

  private EventStore events() {
    return store.events();
  }

  private static List<Long> seqs(List<StoredEvent> events) {
    return events.stream().map(StoredEvent::seq).toList();
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  @Test
  void append_assignsConsecutiveSeqsFromOne() {
    String s = newSession();
    assertThat(events().lastSeq(s)).isZero();
    assertThat(seqs(events().append(s, List.of(draft("user.message"))))).containsExactly(1L);
    assertThat(seqs(events().append(s, drafts("agent.message", 3)))).containsExactly(2L, 3L, 4L);
    assertThat(events().lastSeq(s)).isEqualTo(4);
  }

  @Test
  void append_returnsEventsExactlyAsStored() {
    String s = newSession();
    EventDraft d = new EventDraft("sevt_x" + System.nanoTime(), "user.message", "{\"a\":1}", null);
    StoredEvent e = events().append(s, List.of(d)).get(0);
    assertThat(e.sessionId()).isEqualTo(s);
    assertThat(e.id()).isEqualTo(d.id());
    assertThat(e.payload()).isEqualTo("{\"a\":1}");
    assertThat(e.processedAt()).isNull();
    assertThat(e.createdAt().getNano() % 1000).isZero();
    assertThat(events().find(s, d.id())).contains(e);
    assertThat(events().readAfter(s, 0, 10)).containsExactly(e);
  }

  @Test
  void append_toUnknownSession_isNotFound() {
    assertThatThrownBy(() -> events().append("sesn_nope", List.of(draft("user.message"))))
        .isInstanceOf(StoreException.NotFound.class);
  }

  @Test
  void append_concurrentToOneSession_hasNoGapOrDuplicate() throws Exception {
    String s = newSession();
    int threads = 16;
    int perThread = 500;
    List<String> ids = Collections.synchronizedList(new ArrayList<>());
    runConcurrently(
        threads,
        t -> {
          for (int i = 0; i < perThread; i++) {
            EventDraft d = draft("agent.message");
            ids.add(d.id());
            events().append(s, List.of(d));
          }
        });
    List<StoredEvent> all = events().readAfter(s, 0, threads * perThread + 10);
    assertThat(seqs(all)).isEqualTo(range(1, threads * perThread));
    assertThat(all).extracting(StoredEvent::id).containsExactlyInAnyOrderElementsOf(ids);
  }

  @Test
  void append_concurrentBatchesToManySessions_keepEachLogContiguous() throws Exception {
    List<String> sessions = List.of(newSession(), newSession(), newSession(), newSession());
    runConcurrently(
        8,
        t -> {
          for (int i = 0; i < 50; i++) {
            String s = sessions.get((t + i) % sessions.size());
            List<StoredEvent> got = events().append(s, drafts("agent.message", 3));
            assertThat(got.get(2).seq() - got.get(0).seq()).isEqualTo(2);
          }
        });
    for (String s : sessions) {
      assertThat(seqs(events().readAfter(s, 0, 1000))).isEqualTo(range(1, 300));
    }
  }

  @Test
  void append_withDuplicateEventId_writesNothingAndLeavesNoGap() {
    String s = newSession();
    EventDraft first = draft("user.message");
    events().append(s, List.of(first));
    assertThatThrownBy(() -> events().append(s, List.of(draft("agent.message"), first)))
        .isInstanceOf(StoreException.Conflict.class);
    assertThat(events().lastSeq(s)).isEqualTo(1);
    assertThat(seqs(events().append(s, List.of(draft("agent.message"))))).containsExactly(2L);
  }

  @Test
  void append_failingAmongConcurrentAppends_doesNotPoisonTheOthers() throws Exception {
    String s = newSession();
    EventDraft taken = draft("user.message");
    events().append(s, List.of(taken));
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    runConcurrently(
        8,
        t -> {
          for (int i = 0; i < 100; i++) {
            List<EventDraft> batch = i % 10 == 0 ? List.of(draft("x"), taken) : drafts("y", 2);
            try {
              events().append(s, batch);
            } catch (StoreException.Conflict expected) {
              failures.add(expected);
            }
          }
        });
    assertThat(failures).hasSize(80);
    assertThat(seqs(events().readAfter(s, 0, 10_000))).isEqualTo(range(1, 1 + 8 * 90 * 2));
  }

  @Test
  void append_staleOrMissingAmongConcurrentAppendsToManySessions_failsOnlyThose() throws Exception {
    List<String> sessions = List.of(newSession(), newSession(), newSession(), newSession());
    String fenced = newSession();
    Instant t0 = Instant.now();
    Lease stale =
        store.sessions().tryLease(fenced, "runner-a", t0, Duration.ofSeconds(1)).orElseThrow();
    Lease current =
        store
            .sessions()
            .tryLease(fenced, "runner-b", t0.plusSeconds(5), Duration.ofSeconds(30))
            .orElseThrow();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    runConcurrently(
        8,
        t -> {
          for (int i = 0; i < 100; i++) {
            try {
              switch (i % 10) {
                case 0 -> events().append(fenced, List.of(draft("x")), stale.token());
                case 5 -> events().append("sesn_gone", List.of(draft("x")));
                case 7 -> events().append(fenced, List.of(draft("y")), current.token());
                default -> events().append(sessions.get((t + i) % 4), List.of(draft("y")));
              }
            } catch (StoreException.StaleFence | StoreException.NotFound expected) {
              failures.add(expected);
            }
          }
        });
    assertThat(failures).hasSize(160);
    assertThat(failures).filteredOn(StoreException.StaleFence.class::isInstance).hasSize(80);
    assertThat(seqs(events().readAfter(fenced, 0, 1000))).isEqualTo(range(1, 80));
    long total = 0;
    for (String s : sessions) {
      long last = events().lastSeq(s);
      assertThat(seqs(events().readAfter(s, 0, 1000))).isEqualTo(range(1, last));
      total += last;
    }
    assertThat(total).isEqualTo(8 * 70);
  }

  @Test
  void append_withCurrentFence_succeeds() {
    String s = newSession();
    Lease lease =
        store
            .sessions()
            .tryLease(s, "runner-a", Instant.now(), Duration.ofMinutes(1))
            .orElseThrow();
    assertThat(seqs(events().append(s, List.of(draft("agent.message")), lease.token())))
        .containsExactly(1L);
  }

  @Test
  void append_afterStaleFencingToken_isRefused() {
    String s = newSession();
    Instant t0 = Instant.now();
    Lease a = store.sessions().tryLease(s, "runner-a", t0, Duration.ofSeconds(1)).orElseThrow();
    Lease b =
        store
            .sessions()
            .tryLease(s, "runner-b", t0.plusSeconds(5), Duration.ofSeconds(30))
            .orElseThrow();
    assertThat(b.token()).isGreaterThan(a.token());
    assertThatThrownBy(() -> events().append(s, List.of(draft("agent.message")), a.token()))
        .isInstanceOf(StoreException.StaleFence.class);
    assertThat(events().lastSeq(s)).isZero();
    assertThat(seqs(events().append(s, List.of(draft("agent.message")), b.token())))
        .containsExactly(1L);
  }

  @Test
  void append_fencedToUnknownSession_isNotFound() {
    assertThatThrownBy(() -> events().append("sesn_nope", List.of(draft("x")), 1))
        .isInstanceOf(StoreException.NotFound.class);
  }

  private Page<StoredEvent> list(String s, PageRequest req) {
    return events().list(s, new EventQuery(Set.of(), TimeRange.ALL, req));
  }

  private static PageKey key(StoredEvent e) {
    return new PageKey(e.seq(), "");
  }

  @Test
  void list_forwardPages_walkEveryEventInBothOrders() {
    String s = newSession();
    events().append(s, drafts("agent.message", 23));
    assertThat(seqs(walkForward(5, SortOrder.ASC, r -> list(s, r), EventStoreContract::key)))
        .isEqualTo(range(1, 23));
    List<Long> desc = new ArrayList<>(range(1, 23));
    Collections.reverse(desc);
    assertThat(seqs(walkForward(5, SortOrder.DESC, r -> list(s, r), EventStoreContract::key)))
        .isEqualTo(desc);
    Page<StoredEvent> exact = list(s, PageRequest.first(23, SortOrder.ASC));
    assertThat(exact.items()).hasSize(23);
    assertThat(exact.moreAfter()).isFalse();
  }

  @Test
  void list_backwardPage_returnsItemsBeforeKey() {
    String s = newSession();
    events().append(s, drafts("agent.message", 10));
    Page<StoredEvent> asc = list(s, new PageRequest(3, SortOrder.ASC, new PageKey(7, ""), true));
    assertThat(seqs(asc.items())).containsExactly(4L, 5L, 6L);
    assertThat(asc.moreBefore()).isTrue();
    assertThat(asc.moreAfter()).isTrue();
    Page<StoredEvent> desc = list(s, new PageRequest(3, SortOrder.DESC, new PageKey(4, ""), true));
    assertThat(seqs(desc.items())).containsExactly(7L, 6L, 5L);
    assertThat(desc.moreBefore()).isTrue();
    Page<StoredEvent> head = list(s, new PageRequest(5, SortOrder.ASC, new PageKey(3, ""), true));
    assertThat(seqs(head.items())).containsExactly(1L, 2L);
    assertThat(head.moreBefore()).isFalse();
    assertThat(head.moreAfter()).isTrue();
    assertThat(
            seqs(
                walkBackward(
                    3,
                    SortOrder.ASC,
                    new PageKey(10, ""),
                    r -> list(s, r),
                    EventStoreContract::key)))
        .isEqualTo(range(1, 9));
    assertThat(
            seqs(
                walkBackward(
                    4,
                    SortOrder.DESC,
                    new PageKey(1, ""),
                    r -> list(s, r),
                    EventStoreContract::key)))
        .isEqualTo(List.of(10L, 9L, 8L, 7L, 6L, 5L, 4L, 3L, 2L));
  }

  @Test
  void list_typeFilter_returnsOnlyThoseTypes() {
    String s = newSession();
    events().append(s, List.of(draft("a"), draft("b"), draft("c"), draft("a"), draft("b")));
    var page =
        events()
            .list(
                s,
                new EventQuery(
                    Set.of("a", "c"), TimeRange.ALL, PageRequest.first(10, SortOrder.ASC)));
    assertThat(seqs(page.items())).containsExactly(1L, 3L, 4L);
    var one =
        events()
            .list(
                s, new EventQuery(Set.of("b"), TimeRange.ALL, PageRequest.first(1, SortOrder.ASC)));
    assertThat(seqs(one.items())).containsExactly(2L);
    assertThat(one.moreAfter()).isTrue();
  }

  @Test
  void list_processedAtRange_matchesOnlyProcessedEventsInRange() {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    String s = newSession();
    events()
        .append(
            s,
            List.of(
                new EventDraft("sevt_p1" + System.nanoTime(), "x", "{}", t),
                new EventDraft("sevt_p2" + System.nanoTime(), "x", "{}", t.plusSeconds(10)),
                new EventDraft("sevt_p3" + System.nanoTime(), "x", "{}", null)));
    PageRequest first = PageRequest.first(10, SortOrder.ASC);
    assertThat(seqs(events().list(s, new EventQuery(Set.of(), TimeRange.ALL, first)).items()))
        .containsExactly(1L, 2L, 3L);
    assertThat(
            seqs(
                events()
                    .list(s, new EventQuery(Set.of(), new TimeRange(null, t, null, null), first))
                    .items()))
        .containsExactly(1L, 2L);
    assertThat(
            seqs(
                events()
                    .list(s, new EventQuery(Set.of(), new TimeRange(t, null, null, null), first))
                    .items()))
        .containsExactly(2L);
    assertThat(
            seqs(
                events()
                    .list(s, new EventQuery(Set.of(), new TimeRange(null, null, null, t), first))
                    .items()))
        .containsExactly(1L);
    assertThat(
            seqs(
                events()
                    .list(
                        s,
                        new EventQuery(
                            Set.of(), new TimeRange(null, null, t.plusSeconds(10), null), first))
                    .items()))
        .containsExactly(1L);
  }

  @Test
  void readAfter_returnsAscendingEventsPastTheSeq() {
    String s = newSession();
    events().append(s, drafts("x", 10));
    assertThat(seqs(events().readAfter(s, 4, 3))).containsExactly(5L, 6L, 7L);
    assertThat(events().readAfter(s, 10, 3)).isEmpty();
  }

  @Test
  void find_inAnotherSession_isEmpty() {
    String s = newSession();
    String other = newSession();
    StoredEvent e = events().append(s, List.of(draft("x"))).get(0);
    assertThat(events().find(other, e.id())).isEmpty();
    assertThat(events().find(s, "sevt_missing")).isEmpty();
  }

  @Test
  void markProcessed_setsItOnceAndReturnsOnlyChangedEvents() {
    String s = newSession();
    List<StoredEvent> es = events().append(s, drafts("user.message", 3));
    Instant at = Instant.parse("2026-02-03T04:05:06.123456789Z");
    List<StoredEvent> changed =
        events().markProcessed(s, List.of(es.get(2).id(), es.get(0).id()), at);
    assertThat(seqs(changed)).containsExactly(1L, 3L);
    assertThat(changed.get(0).processedAt())
        .isEqualTo(Instant.parse("2026-02-03T04:05:06.123456Z"));
    assertThat(
            events().markProcessed(s, List.of(es.get(0).id(), es.get(1).id()), at.plusSeconds(1)))
        .extracting(StoredEvent::seq)
        .containsExactly(2L);
    assertThat(events().find(s, es.get(0).id()).orElseThrow().processedAt())
        .isEqualTo(changed.get(0).processedAt());
    assertThat(events().markProcessed(s, List.of(), at)).isEmpty();
  }

  @Test
  void events_surviveCloseAndReopen_andNumberingContinues() {
    String s = newSession();
    List<StoredEvent> before = events().append(s, drafts("x", 5));
    reopen();
    assertThat(events().readAfter(s, 0, 10)).isEqualTo(before);
    assertThat(seqs(events().append(s, List.of(draft("x"))))).containsExactly(6L);
  }
}
