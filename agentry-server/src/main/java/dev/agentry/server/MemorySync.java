package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.EventCodec;
import dev.agentry.core.Json;
import dev.agentry.core.Memory;
import dev.agentry.core.MemoryActor;
import dev.agentry.core.MemoryFolder;
import dev.agentry.core.MemoryRepository;
import dev.agentry.core.Store;
import dev.agentry.core.StoreException;
import dev.agentry.core.Timestamps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the folders a session's sandbox mounts at {@code /mnt/memory/<slug>} in step with their
 * memory stores, in both directions. Per mounted store, on this node: the folder ({@code
 * <session-mounts>/<session>/memory/<resource>/}) and the <em>base</em>, the hash of each path as
 * last agreed with the store (a file next to the folder, so it survives a restart of the node).
 *
 * <p>A sync ({@link MemoryFolder}, shared with the self-hosted worker) compares, per path, the
 * folder, the base and the store, here through the repository. A change on one side only goes to
 * the other: a file the agent wrote becomes a create or an update of the memory by {@code
 * session_actor}, with the base's hash as its {@code content_sha256} precondition (a delete too),
 * so a write another session made meanwhile is never overwritten. When both sides changed, the
 * store wins: the file gets the store's content and the session a {@code session.error} naming the
 * path. A file the store cannot take (not UTF-8 text, over 100 KB, a path the rules refuse) is put
 * back as the store has it and the agent is told why in its tool result. A read-only mount only
 * receives.
 *
 * <p>It runs before each sandbox start (which is also how a store's memories first arrive), after
 * each tool call and when a turn ends. A node killed between a write and its sync keeps the file
 * and the base on disk, so its next sync sends the write.
 */
final class MemorySync {
  private static final Logger LOG = LoggerFactory.getLogger(MemorySync.class);

  private final Store store;
  private final Path root;
  private final Clock clock;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  MemorySync(Store store, Path root, Clock clock) {
    this.store = store;
    this.root = root;
    this.clock = clock;
  }

  /** Where the session's mount of the memory store resource lives on this node. */
  Path folder(String sessionId, StoredResource r) {
    return root.resolve(sessionId).resolve("memory").resolve(r.id());
  }

  /**
   * Syncs every memory store the session mounts; returns what the agent should be told (files the
   * store refused, changes the store's version replaced), empty when nothing happened to say.
   */
  List<String> sync(String sessionId) {
    // Its resources only, after every tool call: the session record's body is mostly its agent
    List<JsonNode> resources = store.sessions().resources(sessionId).orElse(null);
    if (resources == null) {
      return List.of();
    }
    List<StoredResource> mounted =
        resources.stream().map(StoredResource::new).filter(StoredResource::isMemoryStore).toList();
    if (mounted.isEmpty()) {
      return List.of();
    }
    ReentrantLock lock = locks.computeIfAbsent(sessionId, k -> new ReentrantLock());
    lock.lock();
    try {
      List<String> notes = new ArrayList<>();
      for (StoredResource r : mounted) {
        try {
          syncOne(sessionId, r, notes);
        } catch (StoreException.NotFound e) {
          LOG.warn("session {}: memory store {} is gone; not synced", sessionId, r.memoryStoreId());
        } catch (IOException e) {
          throw new UncheckedIOException(
              "cannot sync memory store " + r.memoryStoreId() + " of " + sessionId, e);
        }
      }
      return notes;
    } finally {
      lock.unlock();
    }
  }

  /** A turn of the session ended: what its last tool calls left unsynced goes to the stores. */
  void turnEnded(String sessionId) {
    try {
      sync(sessionId);
    } catch (RuntimeException e) {
      LOG.warn("session {}: memory sync at the end of the turn failed", sessionId, e);
    }
  }

  /** Forgets the session's state on this node (its folders go with the session's mount dir). */
  void deleteSession(String sessionId) {
    locks.remove(sessionId);
  }

  private void syncOne(String sessionId, StoredResource r, List<String> notes) throws IOException {
    MemoryRepository repo = store.memories();
    String storeId = r.memoryStoreId();
    Path dir = root.resolve(sessionId).resolve("memory");
    MemoryFolder folder =
        new MemoryFolder(
            folder(sessionId, r),
            dir.resolve(".base-" + r.id() + ".json"),
            r.readOnly(),
            MemoryFolder.Deletes.AT_ONCE);
    folder.sync(
        new RepositoryRemote(repo, storeId, MemoryActor.session(sessionId)),
        new Notes(sessionId, r, notes));
  }

  /** The store's side, read and written through the repository as the session's actor. */
  private final class RepositoryRemote implements MemoryFolder.Remote {
    private final MemoryRepository repo;
    private final String storeId;
    private final MemoryActor actor;

    RepositoryRemote(MemoryRepository repo, String storeId, MemoryActor actor) {
      this.repo = repo;
      this.storeId = storeId;
      this.actor = actor;
    }

    @Override
    public List<Memory> list() {
      return repo.list(storeId, "/");
    }

    @Override
    public Optional<String> content(Memory m) {
      return m.content() != null
          ? Optional.of(m.content())
          : repo.findMemory(storeId, m.id()).map(Memory::content);
    }

    @Override
    public Optional<Memory> findByPath(String path) {
      return repo.findByPath(storeId, path);
    }

    @Override
    public Memory create(String path, String content) {
      return repo.create(storeId, path, content, actor, now());
    }

    @Override
    public Memory update(Memory m, String content, String expectedSha256) {
      return repo.update(storeId, m.id(), null, content, expectedSha256, actor, now());
    }

    @Override
    public void delete(Memory m, String expectedSha256) {
      repo.delete(storeId, m.id(), expectedSha256, actor, now());
    }

    @Override
    public String pathRefusal(String path) {
      try {
        MemoryPaths.check(path, "path");
        return null;
      } catch (ApiError e) {
        return "its " + e.getMessage();
      }
    }
  }

  /** What the agent is told in its tool result, and the session's error for a conflict. */
  private final class Notes implements MemoryFolder.Outcome {
    private final String sessionId;
    private final StoredResource r;
    private final List<String> notes;

    Notes(String sessionId, StoredResource r, List<String> notes) {
      this.sessionId = sessionId;
      this.r = r;
      this.notes = notes;
    }

    @Override
    public void conflict(String path) {
      MemorySync.this.conflict(sessionId, r, path, notes);
    }

    @Override
    public void refused(String path, String reason, boolean removed) {
      notes.add(
          "The file "
              + r.mountPath()
              + path
              + " was not saved to memory store "
              + r.json().path("name").asText()
              + ": "
              + reason
              + (removed ? "; it was removed." : "; the stored version was put back."));
    }
  }

  private void conflict(String sessionId, StoredResource r, String path, List<String> notes) {
    String where = r.mountPath() + path;
    String message =
        "memory store "
            + r.json().path("name").asText()
            + ": "
            + path
            + " changed both in the store and in this session; the store's version was kept"
            + " and is now in "
            + where;
    LOG.info("session {}: {}", sessionId, message);
    notes.add("The file " + where + " was changed by someone else meanwhile; " + message + ".");
    var err =
        Json.mapper()
            .createObjectNode()
            .put("type", "memory_sync_conflict")
            .put("message", message)
            .put("memory_store_id", r.memoryStoreId())
            .put("path", path);
    err.putObject("retry_status").put("type", "terminal");
    store
        .events()
        .append(
            sessionId,
            List.of(EventCodec.draft(new dev.agentry.core.Event.SessionError(err), now())));
  }

  private java.time.Instant now() {
    return Timestamps.truncate(clock.instant());
  }
}
