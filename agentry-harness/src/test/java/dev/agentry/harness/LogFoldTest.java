package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.StoredEvent;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The incremental folds of a run give what folds of the whole log give, at every step. */
class LogFoldTest {
  private static final Instant AT = Instant.parse("2026-04-01T00:00:00Z");

  @Test
  void growingLog_withQueuedEventsAndACompaction_foldsAsTheWholeLog() throws IOException {
    List<StoredEvent> all =
        new ArrayList<>(ContextBuilderTest.load("golden/tools-and-steering.log.json"));
    long seq = all.size();
    all.add(
        event(
            ++seq,
            "agent.thread_context_compacted",
            "{\"summary\":\"S\",\"compacted_through_seq\":9}"));
    all.add(event(++seq, "user.message", "{\"content\":[{\"type\":\"text\",\"text\":\"more\"}]}"));
    all.add(event(++seq, "span.model_request_start", "{}"));
    all.add(event(++seq, "agent.message", "{\"content\":[{\"type\":\"text\",\"text\":\"ok\"}]}"));
    all.add(event(++seq, "span.model_request_end", "{\"is_error\":false}"));
    LogFold fold = new LogFold(50_000);
    for (int k = 1; k <= all.size(); k++) {
      // The newest two user events are still queued; each is marked processed a step later.
      List<StoredEvent> log = new ArrayList<>(all.subList(0, k));
      for (int i = Math.max(0, k - 2); i < k; i++) {
        if (log.get(i).type().startsWith("user.")) {
          log.set(i, log.get(i).withProcessedAt(null));
        }
      }
      // Every other step the newest event is a deferred write's, not committed yet.
      int committed = k % 2 == 0 ? k - 1 : k;
      assertThat(fold.state(entries(log), committed).sameAs(LogState.fold(log)))
          .as("step %d", k)
          .isTrue();
      assertThat(fold.context()).as("step %d", k).isEqualTo(ContextBuilder.build(log, 50_000));
    }
  }

  @Test
  void aLogThatNoLongerExtendsTheFold_isFoldedFromTheStart() throws IOException {
    List<StoredEvent> log = ContextBuilderTest.load("golden/tools-and-steering.log.json");
    LogFold fold = new LogFold(50_000);
    fold.state(entries(log), log.size());
    List<StoredEvent> other = new ArrayList<>(log.subList(0, 5));
    other.add(event(6, "agent.message", "{\"content\":[{\"type\":\"text\",\"text\":\"x\"}]}"));
    assertThat(fold.state(entries(other), other.size()).sameAs(LogState.fold(other))).isTrue();
    assertThat(fold.context()).isEqualTo(ContextBuilder.build(other, 50_000));
  }

  static List<dev.agentry.core.LogEntry> entries(List<StoredEvent> log) {
    return log.stream().map(dev.agentry.core.LogEntry::of).toList();
  }

  private static StoredEvent event(long seq, String type, String payload) {
    return new StoredEvent("sesn_golden", seq, "sevt_x" + seq, type, payload, AT, AT);
  }
}
