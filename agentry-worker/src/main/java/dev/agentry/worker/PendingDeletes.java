package dev.agentry.worker;

import dev.agentry.core.MemoryFolder;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The official worker's caution with deletes: a file gone from a memory folder is deleted from the
 * store only once it has stayed missing for {@code grace} (a tool that rewrites a file by moving it
 * away and back must not delete the memory), is checked again just before (by {@link
 * MemoryFolder}), and at most {@code maxPerSync} deletes go out per sync (a wiped folder must not
 * empty the store in one go). A memory deleted in the store while its file here was edited is made
 * again from the file.
 */
final class PendingDeletes implements MemoryFolder.Deletes {
  private final Clock clock;
  private final Duration grace;
  private final int maxPerSync;
  private final Map<String, Long> missingSince = new HashMap<>();

  PendingDeletes(Clock clock, Duration grace, int maxPerSync) {
    this.clock = clock;
    this.grace = grace;
    this.maxPerSync = maxPerSync;
  }

  @Override
  public synchronized Set<String> due(Set<String> missing) {
    long now = clock.millis();
    missingSince.keySet().retainAll(missing); // a file that came back starts over
    Set<String> due = new TreeSet<>();
    for (String path : missing) {
      long since = missingSince.computeIfAbsent(path, p -> now);
      if (now - since >= grace.toMillis()) {
        due.add(path);
      }
    }
    return due;
  }

  @Override
  public int maxPerSync() {
    return maxPerSync;
  }

  /** As the official worker: unpushed edits of a memory deleted meanwhile are not lost. */
  @Override
  public boolean recreateEditedAfterStoreDelete() {
    return true;
  }
}
