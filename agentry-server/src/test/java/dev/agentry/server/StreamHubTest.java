package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.EventStore;
import dev.agentry.core.StoredEvent;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The hub holds one store subscription per session, however many connections it has, renders each
 * event's frame once and shares it between the connections.
 */
class StreamHubTest {
  /** A store that only counts subscriptions and remembers their listeners. */
  static final class Subscriptions {
    final AtomicInteger opened = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    final Map<String, Consumer<StoredEvent>> listeners = new ConcurrentHashMap<>();

    EventStore store() {
      return (EventStore)
          Proxy.newProxyInstance(
              EventStore.class.getClassLoader(),
              new Class<?>[] {EventStore.class},
              (proxy, method, args) -> {
                if (!method.getName().equals("subscribe")) {
                  throw new UnsupportedOperationException(method.getName());
                }
                opened.incrementAndGet();
                @SuppressWarnings("unchecked")
                Consumer<StoredEvent> listener = (Consumer<StoredEvent>) args[1];
                listeners.put((String) args[0], listener);
                return (EventStore.Subscription) closed::incrementAndGet;
              });
    }

    void commit(StoredEvent e) {
      listeners.get(e.sessionId()).accept(e);
    }
  }

  private static StoredEvent event(String session, long seq) {
    return new StoredEvent(
        session,
        seq,
        "sevt_" + seq,
        "user.message",
        "{\"content\":[{\"type\":\"text\",\"text\":\"hé\"}]}",
        Instant.parse("2026-11-25T00:00:00Z"),
        null);
  }

  @Test
  void nConnectionsToOneSession_makeOneStoreSubscription_closedWithTheLast() {
    Subscriptions store = new Subscriptions();
    StreamHub hub = new StreamHub(store.store());
    StreamHub.Connection[] conns = new StreamHub.Connection[50];
    for (int i = 0; i < conns.length; i++) {
      conns[i] = hub.open("sesn_1", Set.of());
    }
    StreamHub.Connection other = hub.open("sesn_2", Set.of());
    assertThat(store.opened).hasValue(2);
    assertThat(hub.subscribers()).isEqualTo(51);

    for (int i = 0; i < conns.length - 1; i++) {
      hub.close("sesn_1", conns[i]);
    }
    assertThat(store.closed).hasValue(0);
    hub.close("sesn_1", conns[conns.length - 1]);
    assertThat(store.closed).hasValue(1);
    hub.open("sesn_1", Set.of());
    assertThat(store.opened).as("a new first connection subscribes again").hasValue(3);
    hub.close("sesn_2", other);
    assertThat(store.closed).hasValue(2);
  }

  @Test
  void oneEvent_isRenderedOnceForAllConnections_ofItsSessionOnly() throws Exception {
    Subscriptions store = new Subscriptions();
    StreamHub hub = new StreamHub(store.store());
    StreamHub.Connection a = hub.open("sesn_1", Set.of());
    StreamHub.Connection b = hub.open("sesn_1", Set.of());
    StreamHub.Connection elsewhere = hub.open("sesn_2", Set.of());
    StoredEvent first = event("sesn_1", 1);
    StoredEvent second = event("sesn_1", 2);
    store.commit(first);
    store.commit(second);

    var a1 = (StreamHub.Event) a.poll(0);
    var b1 = (StreamHub.Event) b.poll(0);
    var a2 = (StreamHub.Event) a.pollNow();
    var b2 = (StreamHub.Event) b.pollNow();
    assertThat(a1.frame()).isSameAs(b1.frame());
    assertThat(a2.frame()).isSameAs(b2.frame()).isNotSameAs(a1.frame());
    assertThat(new String(a1.frame(), StandardCharsets.UTF_8))
        .isEqualTo("id: sevt_1\nevent: message\ndata: " + first.toJson() + "\n\n");
    assertThat(a.pollNow()).isNull();
    assertThat(elsewhere.pollNow()).isNull();
  }
}
