package dev.agentry.harness;

import dev.agentry.core.FileRecord;
import dev.agentry.core.LogEntry;
import dev.agentry.core.Store;
import dev.agentry.core.StoredEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks a {@code user.define_outcome} passes before it is accepted (docs/decisions/0043): its
 * rubric file exists in the caller's workspace, and no other outcome is active, neither in the
 * session's log nor earlier in the same request. {@code max_iterations} is checked as it is parsed.
 */
final class OutcomeChecks {
  private OutcomeChecks() {}

  /** Refuses the batch if one of its outcomes breaks a rule, naming the event and the field. */
  static void check(
      Store store, String workspaceId, String sessionId, List<UserEvent> events, Instant now) {
    boolean active = false;
    boolean read = false;
    for (int i = 0; i < events.size(); i++) {
      UserEvent e = events.get(i);
      if (!e.type().equals(UserEvent.DEFINE_OUTCOME)) {
        continue;
      }
      String path = "events[" + i + "]";
      checkRubric(store, workspaceId, e, path, now);
      if (!read) {
        active = activeIn(store, sessionId);
        read = true;
      }
      if (active) {
        throw EventsRefused.invalid(
            path
                + ".type: an outcome is already active in session "
                + sessionId
                + "; only one outcome is active at a time (send it after the current one's"
                + " evaluation ends)",
            "outcome_already_active");
      }
      active = true; // a second one in this request would follow this one while it is active
    }
  }

  private static void checkRubric(
      Store store, String workspaceId, UserEvent e, String path, Instant now) {
    var rubric = e.payload().path("rubric");
    if (!"file".equals(rubric.path("type").asText())) {
      return;
    }
    String fileId = rubric.path("file_id").asText();
    FileRecord file = store.files().find(workspaceId, fileId).orElse(null);
    if (file == null || (file.expiresAt() != null && !file.expiresAt().isAfter(now))) {
      throw EventsRefused.invalid(
          path + ".rubric.file_id: no file " + fileId + " in this workspace", "file_not_found");
    }
  }

  private static boolean activeIn(Store store, String sessionId) {
    LogState s = LogState.empty();
    long after = 0;
    while (true) {
      List<StoredEvent> page = store.events().readAfter(sessionId, after, 1000);
      List<LogEntry> entries = new ArrayList<>(page.size());
      page.forEach(p -> entries.add(LogEntry.of(p)));
      entries.forEach(s::apply);
      if (page.size() < 1000) {
        return s.outcome.active();
      }
      after = page.getLast().seq();
    }
  }
}
