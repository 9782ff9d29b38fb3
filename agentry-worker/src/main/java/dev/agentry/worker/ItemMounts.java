package dev.agentry.worker;

import dev.agentry.core.MemoryFolder;
import dev.agentry.sandbox.Workspaces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One work item's memory store copies and skills ({@link Mounts#open}): synced after tool calls
 * (once the interval has passed), when the session goes idle and when the item ends; then removed,
 * with the sandbox that bound them.
 */
final class ItemMounts implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ItemMounts.class);

  /** A mounted memory store: its folder and the API it syncs with. */
  record Store(
      String name, String mountPath, boolean readOnly, MemoryFolder folder, MemoryApi api) {
    void sync() throws IOException {
      folder.sync(
          api,
          new MemoryFolder.Outcome() {
            @Override
            public void conflict(String path) {
              log.warn(
                  "memory store {}: {} changed both here and in the store; the store's version"
                      + " was kept",
                  name,
                  path);
            }

            @Override
            public void refused(String path, String reason, boolean removed) {
              log.warn(
                  "memory store {}: {}{} was not saved: {}; {}",
                  name,
                  mountPath,
                  path,
                  reason,
                  removed ? "it was removed" : "the stored version was put back");
            }
          });
    }
  }

  private final Mounts owner;
  private final String sessionId;
  private final Path dir;
  private final FileChannel lock;
  private final List<Store> stores;
  private final boolean mounted;
  private final Clock clock;
  private long lastSync;

  ItemMounts(
      Mounts owner,
      String sessionId,
      Path dir,
      FileChannel lock,
      List<Store> stores,
      boolean mounted,
      Clock clock) {
    this.owner = owner;
    this.sessionId = sessionId;
    this.dir = dir;
    this.lock = lock;
    this.stores = stores;
    this.mounted = mounted;
    this.clock = clock;
    this.lastSync = clock.millis();
  }

  /** A tool call finished: sync if the interval has passed since the last sync. */
  void afterCall() {
    if (clock.millis() - lastSync >= owner.pacing().syncInterval().toMillis()) {
      sync();
    }
  }

  /** The session went idle (or the item ends): sync now. */
  void sync() {
    lastSync = clock.millis();
    for (Store s : stores) {
      try {
        s.sync();
      } catch (IOException | UncheckedIOException | ApiError | dev.agentry.core.StoreException e) {
        log.warn("memory store {} of session {} could not be synced: {}", s.name(), sessionId, e);
      }
    }
  }

  /** Syncs one last time, then removes the copies and the sandbox that bound them. */
  @Override
  public void close() {
    sync();
    owner.unbind(sessionId, mounted);
    try {
      Workspaces.removeTree(dir);
    } catch (UncheckedIOException e) {
      log.warn("the folder of {} could not be removed: {}", dir, e.getMessage());
    }
    try {
      lock.close(); // releases the lock
    } catch (IOException e) {
      log.debug("closing the lock of {} failed", dir, e);
    }
  }
}
