package dev.agentry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.EventDraft;
import dev.agentry.core.Page;
import dev.agentry.core.PageKey;
import dev.agentry.core.PageRequest;
import dev.agentry.core.SortOrder;
import dev.agentry.core.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the contract suites share: a store opened before each test and closed after it, and helpers
 * to walk keyset pages.
 */
public abstract class StoreTestBase {
  /** The store under test, open during each test. */
  protected Store store;

  /**
   * Opens a store over this test's data; a second call after closing the first must see what the
   * first one committed (the suites check durability that way).
   */
  protected abstract Store openStore();

  @BeforeEach
  protected final void openStoreForTest() {
    store = openStore();
  }

  @AfterEach
  protected final void closeStoreAfterTest() {
    if (store != null) {
      store.close();
      store = null;
    }
  }

  /** Closes the store and opens it again over the same data. */
  protected final void reopen() {
    store.close();
    store = openStore();
  }

  /**
   * Walks every page forward from the first, checking the flags of each, and returns the items in
   * listing order.
   */
  protected static <T> List<T> walkForward(
      int limit, SortOrder order, Function<PageRequest, Page<T>> list, Function<T, PageKey> key) {
    List<T> all = new ArrayList<>();
    PageRequest req = PageRequest.first(limit, order);
    while (true) {
      Page<T> page = list.apply(req);
      if (req.after() == null) {
        assertThat(page.moreBefore()).isFalse();
      } else {
        assertThat(page.moreBefore()).isTrue();
      }
      all.addAll(page.items());
      if (!page.moreAfter()) {
        return all;
      }
      assertThat(page.items()).hasSize(limit);
      req = new PageRequest(limit, order, key.apply(page.items().get(limit - 1)), false);
    }
  }

  /**
   * Walks backward from {@code start} (exclusive) to the beginning and returns the items in listing
   * order.
   */
  protected static <T> List<T> walkBackward(
      int limit,
      SortOrder order,
      PageKey start,
      Function<PageRequest, Page<T>> list,
      Function<T, PageKey> key) {
    List<T> all = new ArrayList<>();
    PageRequest req = new PageRequest(limit, order, start, true);
    while (true) {
      Page<T> page = list.apply(req);
      assertThat(page.moreAfter()).isTrue();
      all.addAll(0, page.items());
      if (!page.moreBefore()) {
        return all;
      }
      assertThat(page.items()).hasSize(limit);
      req = new PageRequest(limit, order, key.apply(page.items().get(0)), true);
    }
  }

  protected final String newSession(EventDraft... initial) {
    var agent = store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    return store
        .sessions()
        .create(StoreFixtures.session(agent, StoreFixtures.uniqueEpoch()), List.of(initial))
        .id();
  }

  /** Runs {@code body(thread index)} on {@code threads} threads at once and rethrows failures. */
  protected static void runConcurrently(int threads, ThrowingIntConsumer body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int index = t;
        futures.add(
            pool.submit(
                () -> {
                  body.accept(index);
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** A per-thread test body. */
  @FunctionalInterface
  protected interface ThrowingIntConsumer {
    void accept(int index) throws Exception;
  }
}
