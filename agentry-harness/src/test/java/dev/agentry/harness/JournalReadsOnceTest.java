package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.AppendHook;
import dev.agentry.core.EventCodec;
import dev.agentry.core.EventDraft;
import dev.agentry.core.LogEntry;
import dev.agentry.core.Store;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A deferred write's events are read once: reads show them while they wait, and their commit keeps
 * that reading, unless what was stored is not what was drafted (an append hook rewrote it).
 */
class JournalReadsOnceTest extends HarnessTestBase {
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  @Test
  void aDeferredEvent_isReadOnce_whileItWaitsAndWhenItIsCommitted() {
    Journal journal = journal(store);
    journal.write(List.of(Events.toolResult("toolu_1", "out", false, Instant.now()))).defer();

    LogEntry waiting = journal.entries().getLast();
    assertThat(journal.entries().getLast().event()).isSameAs(waiting.event());
    journal.flush();
    LogEntry committed = journal.entries().getLast();

    assertThat(journal.committed()).isEqualTo(committed.seq());
    assertThat(committed.id()).isEqualTo(waiting.id());
    assertThat(committed.event())
        .isSameAs(waiting.event())
        .isEqualTo(EventCodec.read(committed.stored()));
  }

  @Test
  void aCommittedEventStoredOtherwiseThanDrafted_isReadFromWhatWasStored() {
    harness.close();
    store.close();
    AppendHook rewrite =
        new AppendHook() {
          @Override
          public List<EventDraft> beforeAppend(String id, List<EventDraft> drafts) {
            return drafts.stream()
                .map(
                    d ->
                        new EventDraft(
                            d.id(),
                            d.type(),
                            d.payload().replace("\"out\"", "\"[redacted]\""),
                            d.processedAt()))
                .toList();
          }
        };
    store = Stores.open(StoreConfig.sqlite(dir).withAppendHook(rewrite));
    harness = Harness.create(store, model, tools, config(), Clock.systemUTC());
    Journal journal = journal(store);
    journal.write(List.of(Events.toolResult("toolu_1", "out", false, Instant.now()))).defer();
    LogEntry waiting = journal.entries().getLast();

    journal.flush();
    LogEntry committed = journal.entries().getLast();

    assertThat(committed.stored().payload()).contains("[redacted]");
    assertThat(committed.event())
        .isNotEqualTo(waiting.event())
        .isEqualTo(EventCodec.read(committed.stored()));
  }

  private Journal journal(Store s) {
    RunLease lease =
        new RunLease(
            s, sessionId, "test-run", Clock.systemUTC(), Duration.ofSeconds(5), timer, () -> {});
    assertThat(lease.begin()).isTrue();
    return new Journal(s, sessionId, Clock.systemUTC(), config().spend(), lease);
  }
}
