package dev.agentry.testkit;

import static dev.agentry.testkit.StoreFixtures.draft;
import static dev.agentry.testkit.StoreFixtures.drafts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.EventStore;
import dev.agentry.core.StoredEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Subscriptions to a session's log: committed events only, in order, until closed. */
// The subscriptions' try-with-resources blocks only close them; the body never names them.
@SuppressWarnings("try")
public abstract class SubscriptionContract extends StoreTestBase {

  @Test
  void subscribe_deliversCommittedEventsInOrder() throws Exception {
    String s = newSession();
    events().append(s, List.of(draft("before")));
    int total = 4 * 100 * 2;
    CountDownLatch done = new CountDownLatch(total);
    List<Long> seen = new CopyOnWriteArrayList<>();
    try (EventStore.Subscription sub =
        events()
            .subscribe(
                s,
                e -> {
                  seen.add(e.seq());
                  done.countDown();
                })) {
      runConcurrently(
          4,
          t -> {
            for (int i = 0; i < 100; i++) {
              events().append(s, drafts("agent.message", 2));
            }
          });
      assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(seen).isEqualTo(LongStream.rangeClosed(2, total + 1).boxed().toList());
  }

  @Test
  void subscribe_seesAnEventOnlyOnceItIsCommitted() throws Exception {
    String s = newSession();
    CountDownLatch done = new CountDownLatch(20);
    List<Boolean> readable = new CopyOnWriteArrayList<>();
    try (EventStore.Subscription sub =
        events()
            .subscribe(
                s,
                e -> {
                  readable.add(events().find(s, e.id()).isPresent());
                  done.countDown();
                })) {
      for (int i = 0; i < 20; i++) {
        events().append(s, List.of(draft("x")));
      }
      assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(readable).hasSize(20).containsOnly(true);
  }

  @Test
  void subscribe_onlyToItsOwnSession() throws Exception {
    String s = newSession();
    String other = newSession();
    CountDownLatch one = new CountDownLatch(1);
    List<StoredEvent> seen = new CopyOnWriteArrayList<>();
    try (EventStore.Subscription sub =
        events()
            .subscribe(
                s,
                e -> {
                  seen.add(e);
                  one.countDown();
                })) {
      events().append(other, List.of(draft("elsewhere")));
      StoredEvent mine = events().append(s, List.of(draft("mine"))).get(0);
      assertThat(one.await(20, TimeUnit.SECONDS)).isTrue();
      assertThat(seen).containsExactly(mine);
    }
  }

  @Test
  void subscribe_closeStopsDelivery() throws Exception {
    String s = newSession();
    List<StoredEvent> seen = new CopyOnWriteArrayList<>();
    CountDownLatch first = new CountDownLatch(1);
    EventStore.Subscription sub =
        events()
            .subscribe(
                s,
                e -> {
                  seen.add(e);
                  first.countDown();
                });
    events().append(s, List.of(draft("x")));
    assertThat(first.await(20, TimeUnit.SECONDS)).isTrue();
    sub.close();
    events().append(s, List.of(draft("y")));
    CountDownLatch marker = new CountDownLatch(1);
    try (EventStore.Subscription probe = events().subscribe(s, e -> marker.countDown())) {
      events().append(s, List.of(draft("z")));
      assertThat(marker.await(20, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(seen).hasSize(1);
  }

  @Test
  void subscribe_failingListener_doesNotStopOthers() throws Exception {
    String s = newSession();
    CountDownLatch done = new CountDownLatch(3);
    try (EventStore.Subscription bad =
            events()
                .subscribe(
                    s,
                    e -> {
                      throw new IllegalStateException("listener failure for the test");
                    });
        EventStore.Subscription good = events().subscribe(s, e -> done.countDown())) {
      events().append(s, drafts("x", 3));
      assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
    }
  }

  private EventStore events() {
    return store.events();
  }
}
