package dev.agentry.store;

import dev.agentry.core.StoredEvent;
import java.util.List;
import java.util.Optional;

/**
 * One append, as told to the other nodes through PostgreSQL's {@code NOTIFY}: which store sent it
 * (so a node skips its own), the session, its last seq after the append, and whether any appended
 * event awaits processing. Small on purpose: a notice says where to read, the log has the events.
 */
record Notice(String origin, String sessionId, long lastSeq, boolean queued) {

  /** The notice of {@code events} (one append, in seq order) made by store {@code origin}. */
  static Notice of(String origin, String sessionId, List<StoredEvent> events) {
    boolean queued = events.stream().anyMatch(e -> e.processedAt() == null);
    return new Notice(origin, sessionId, events.getLast().seq(), queued);
  }

  /** {@code origin session lastSeq q|-}: ids and origins have no spaces. */
  String encode() {
    return origin + ' ' + sessionId + ' ' + lastSeq + ' ' + (queued ? 'q' : '-');
  }

  /** The notice a payload encodes; empty for anything else on the channel. */
  static Optional<Notice> decode(String payload) {
    String[] parts = payload == null ? new String[0] : payload.split(" ", -1);
    if (parts.length != 4) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new Notice(parts[0], parts[1], Long.parseLong(parts[2]), "q".equals(parts[3])));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
