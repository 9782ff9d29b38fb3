package dev.agentry.store;

import java.util.Optional;

/**
 * The notice that a store queued a work item in an environment, on the same channel as the append
 * notices ({@link Notice}): {@code work <origin> <environmentId>}. Other nodes wake the long polls
 * they hold (docs/decisions/0048); it carries no secret and no item, the poll reads the queue.
 */
record WorkNotice(String origin, String environmentId) {
  private static final String TAG = "work";

  String encode() {
    return TAG + ' ' + origin + ' ' + environmentId;
  }

  /** The work notice a payload encodes; empty for anything else on the channel. */
  static Optional<WorkNotice> decode(String payload) {
    String[] parts = payload == null ? new String[0] : payload.split(" ", -1);
    if (parts.length != 3 || !TAG.equals(parts[0])) {
      return Optional.empty();
    }
    return Optional.of(new WorkNotice(parts[1], parts[2]));
  }
}
