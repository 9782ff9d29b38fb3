package dev.agentry.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.MemoryFolder;
import dev.agentry.core.SandboxMount;
import dev.agentry.sandbox.SandboxManager;
import dev.agentry.sandbox.SkillFolder;
import dev.agentry.sandbox.Workspaces;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a worker binds into its sessions' sandboxes besides their workspaces: the memory stores and
 * skills of the session whose item it serves (docs/decisions/0048). The work dir holds
 *
 * <ul>
 *   <li>{@code <workdir>/<session>/}: the session's workspace, kept between the session's items on
 *       this worker (the files the agent wrote survive across turns), removed once an item ends
 *       with the session terminated, archived or deleted;
 *   <li>{@code <workdir>/.items/<work id>/}: one item's copies — {@code memory/<resource>/} with
 *       its base beside it, {@code skills/<name>/} — locked while the item runs and removed when it
 *       ends; at start, a worker removes the ones no process holds (a killed worker's).
 * </ul>
 */
final class Mounts {
  private static final Logger log = LoggerFactory.getLogger(Mounts.class);
  static final String ITEMS = ".items";
  static final String LOCK = ".lock";

  /**
   * How memory is synced: after a tool call once {@code syncInterval} has passed since the last
   * sync (and always when the session goes idle and when the item ends); a file deleted in the
   * folder is deleted from the store once it stayed missing for {@code deleteGrace}, at most {@code
   * maxDeletesPerSync} per sync.
   */
  record Pacing(Duration syncInterval, Duration deleteGrace, int maxDeletesPerSync) {
    static final Pacing DEFAULT = new Pacing(Duration.ofSeconds(5), Duration.ofSeconds(10), 50);
  }

  private final Path workdir;
  private final Path items;
  private final Clock clock;
  private final Pacing pacing;
  private final Map<String, List<SandboxMount>> bound = new ConcurrentHashMap<>();
  private volatile SandboxManager sandboxes;

  Mounts(Path workdir, Clock clock, Pacing pacing) {
    this.workdir = workdir;
    this.items = workdir.resolve(ITEMS);
    this.clock = clock;
    this.pacing = pacing;
  }

  /** The sandboxes whose mounts these are: released when an item's mounts go. */
  void attach(SandboxManager manager) {
    this.sandboxes = manager;
  }

  /** What the session's sandbox binds now (read by the sandbox manager at each start). */
  List<SandboxMount> of(String sessionId) {
    return bound.getOrDefault(sessionId, List.of());
  }

  /** Removes the item folders that no process holds (a killed worker's); returns how many. */
  int removeStale() throws IOException {
    if (!Files.isDirectory(items)) {
      return 0;
    }
    int removed = 0;
    try (Stream<Path> dirs = Files.list(items)) {
      for (Path dir : dirs.toList()) {
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.deleteIfExists(dir); // nothing of an item; a worker writes only folders here
          continue;
        }
        try (FileChannel ch = lockFile(dir);
            FileLock lock = ch.tryLock()) {
          if (lock == null) {
            continue; // another worker on this work dir holds the item
          }
          Workspaces.removeTree(dir);
          removed++;
        } catch (OverlappingFileLockException held) {
          // this process holds it
        }
      }
    }
    if (removed > 0) {
      log.info("removed {} item folders left by a worker that did not finish them", removed);
    }
    return removed;
  }

  /**
   * Makes the session's memory stores (first sync: the download) and skills ready for the item at
   * {@code <workdir>/.items/<workId>/}, bound at the paths the server's sandbox uses.
   */
  ItemMounts open(WorkApi api, String credential, String workId, JsonNode session)
      throws IOException {
    String sessionId = session.path("id").asText();
    Path dir = items.resolve(workId);
    Files.createDirectories(dir);
    FileChannel lockChannel = lockFile(dir);
    FileLock lock = lockChannel.lock();
    List<SandboxMount> mounts = new ArrayList<>();
    List<ItemMounts.Store> stores = new ArrayList<>();
    try {
      for (JsonNode r : session.path("resources")) {
        if ("memory_store".equals(r.path("type").asText())) {
          memoryStore(api, credential, dir, r).ifPresent(stores::add);
        }
      }
      for (ItemMounts.Store s : stores) {
        mounts.add(new SandboxMount(s.folder().folder(), s.mountPath(), s.readOnly()));
      }
      Path skills = dir.resolve("skills");
      if (!new SkillDownload(api, credential).into(session.path("agent"), skills).isEmpty()) {
        mounts.add(new SandboxMount(skills, SkillFolder.SANDBOX_ROOT, true));
      }
    } catch (IOException | RuntimeException e) {
      lock.release();
      lockChannel.close();
      Workspaces.removeTree(dir);
      throw e;
    }
    if (!mounts.isEmpty()) {
      bound.put(sessionId, List.copyOf(mounts));
      SandboxManager s = sandboxes;
      if (s != null) {
        s.remount(sessionId); // a sandbox left from an earlier item binds that item's copies
      }
    }
    return new ItemMounts(this, sessionId, dir, lockChannel, stores, !mounts.isEmpty(), clock);
  }

  private java.util.Optional<ItemMounts.Store> memoryStore(
      WorkApi api, String credential, Path dir, JsonNode r) throws IOException {
    String storeId = r.path("memory_store_id").asText();
    String mountPath = r.path("mount_path").asText("");
    Path target = Path.of(mountPath.isEmpty() ? "/" : mountPath);
    if (!target.isAbsolute()
        || !target.normalize().toString().equals(mountPath)
        || target.getNameCount() < 2) {
      log.warn("memory store {} has no clean mount path ({}); not mounted", storeId, mountPath);
      return java.util.Optional.empty();
    }
    String rid = r.path("id").asText(storeId);
    boolean readOnly = "read_only".equals(r.path("access").asText());
    Path memory = dir.resolve("memory");
    MemoryFolder folder =
        new MemoryFolder(
            memory.resolve(rid),
            memory.resolve(".base-" + rid + ".json"),
            readOnly,
            new PendingDeletes(clock, pacing.deleteGrace(), pacing.maxDeletesPerSync()));
    ItemMounts.Store store =
        new ItemMounts.Store(
            r.path("name").asText(storeId),
            mountPath,
            readOnly,
            folder,
            new MemoryApi(api, credential, storeId));
    store.sync(); // the download; a store that cannot be read fails the item's start
    return java.util.Optional.of(store);
  }

  Pacing pacing() {
    return pacing;
  }

  /** The item's mounts are gone: the session's sandbox (which binds them) goes too. */
  void unbind(String sessionId, boolean hadMounts) {
    bound.remove(sessionId);
    SandboxManager s = sandboxes;
    if (hadMounts && s != null) {
      s.release(sessionId);
    }
  }

  /** The session terminated, was archived or deleted: its sandbox and workspace go. */
  void sessionEnded(String sessionId) {
    SandboxManager s = sandboxes;
    if (s != null) {
      s.deleteSession(sessionId);
    } else {
      Workspaces.under(workdir).remove(sessionId);
    }
    log.info("session {} has ended; its workspace was removed", sessionId);
  }

  private static FileChannel lockFile(Path dir) throws IOException {
    return FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }
}
