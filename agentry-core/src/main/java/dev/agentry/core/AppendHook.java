package dev.agentry.core;

import java.util.List;

/**
 * Sees every event that enters a session log, whichever way it enters (an append, or the initial
 * events of a new session): once before it is written, where it may be rewritten (redaction), and
 * once after it is committed (metering). A store calls it for all its writes, so no path around it
 * exists.
 */
public interface AppendHook {
  AppendHook NONE = new AppendHook() {};

  /** The drafts to write instead of {@code drafts}; called before the write, on the caller. */
  default List<EventDraft> beforeAppend(String sessionId, List<EventDraft> drafts) {
    return drafts;
  }

  /** Called once {@code events} are committed; must not block. */
  default void afterCommit(String sessionId, List<StoredEvent> events) {}
}
