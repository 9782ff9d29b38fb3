package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.Event;
import dev.agentry.core.EventCodec;
import dev.agentry.core.LogEntry;
import dev.agentry.core.Roster;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ThreadView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A thread's view of the log, kept across a run's steps for the log's base (docs/decisions/0033),
 * is at every step the view a fresh look at the whole log gives, as the log grows and its queued
 * events are taken.
 */
class ThreadScopeViewTest {
  private static final String SESSION = "sesn_0Vcoview0000000000";
  private static final String CHILD = "sthr_0Vcoview0000000001";
  private static final Instant AT = Instant.parse("2026-12-04T00:00:00Z");

  private final List<LogEntry> log = new ArrayList<>();

  @Test
  void theViewKeptAcrossSteps_isTheViewOfTheWholeLog_forTheCoordinatorAndAMember() {
    Roster.Member member = new Roster.Member("helper", null, true);
    ThreadScope primary = ThreadScope.primary(SESSION);
    ThreadScope child = ThreadScope.child(SESSION, CHILD, member);

    append(new Event.UserMessage(Events.textContent("go")), null, true);
    append(new Event.SessionThreadCreated(CHILD, "helper", null), null, true);
    append(
        new Event.AgentThreadMessageReceived(
            ThreadView.primaryId(SESSION), null, Events.textContent("do it")),
        CHILD,
        false); // queued for the member
    assertSameAsFresh(primary, child, member);

    take(2);
    append(new Event.SessionThreadStatusRunning(CHILD, "helper"), CHILD, true);
    append(new Event.AgentMessage(Events.textContent("done")), CHILD, true);
    assertSameAsFresh(primary, child, member);

    append(
        new Event.AgentThreadMessageReceived(CHILD, "helper", Events.textContent("done")),
        null,
        false); // the member's reply, queued for the coordinator
    append(new Event.AgentMessage(Events.textContent("waiting")), null, true);
    assertSameAsFresh(primary, child, member);

    take(5);
    append(new Event.AgentMessage(Events.textContent("thanks")), null, true);
    assertSameAsFresh(primary, child, member);
  }

  private void assertSameAsFresh(ThreadScope primary, ThreadScope child, Roster.Member member) {
    int committed = log.size() - 1; // the last event is a deferred write's, shown as if committed
    assertThat(shape(primary.view(log, committed)))
        .isEqualTo(shape(ThreadScope.primary(SESSION).view(log, committed)));
    assertThat(shape(child.view(log, committed)))
        .isEqualTo(shape(ThreadScope.child(SESSION, CHILD, member).view(log, committed)));
  }

  /** What a fold reads of a view: each event's id, type, payload and processed_at; the count. */
  private static List<String> shape(ThreadScope.View v) {
    List<String> out = new ArrayList<>();
    for (LogEntry e : v.entries()) {
      out.add(e.id() + " " + e.type() + " " + e.stored().payload() + " " + e.processedAt());
    }
    out.add("committed " + v.committed());
    return out;
  }

  private void append(Event e, String tag, boolean processed) {
    String payload = EventCodec.write(e);
    StoredEvent s =
        new StoredEvent(
            SESSION,
            log.size() + 1,
            "sevt_view" + log.size(),
            e.type(),
            tag == null ? payload : ThreadView.withTag(payload, tag),
            AT,
            processed ? AT : null);
    log.add(LogEntry.of(s));
  }

  /** The queued event at {@code index} is taken: its processed_at is set in place. */
  private void take(int index) {
    LogEntry e = log.get(index);
    log.set(index, e.withStored(e.stored().withProcessedAt(AT.plusSeconds(1))));
  }
}
