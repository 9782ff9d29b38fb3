package dev.agentry.server;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.EventCodec;
import dev.agentry.core.Json;
import dev.agentry.core.Memory;
import dev.agentry.core.MemoryActor;
import dev.agentry.core.MemoryContent;
import dev.agentry.core.MemoryRepository;
import dev.agentry.core.Store;
import dev.agentry.core.StoreException;
import dev.agentry.core.Timestamps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the folders a session's sandbox mounts at {@code /mnt/memory/<slug>} in step with their
 * memory stores, in both directions. Per mounted store, on this node: the folder ({@code
 * <session-mounts>/<session>/memory/<resource>/}) and the <em>base</em>, the hash of each path as
 * last agreed with the store (a file next to the folder, so it survives a restart of the node).
 *
 * <p>A sync compares, per path, the folder, the base and the store. A change on one side only goes
 * to the other: a file the agent wrote becomes a create or an update of the memory by {@code
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

  private Path baseFile(String sessionId, StoredResource r) {
    return root.resolve(sessionId).resolve("memory").resolve(".base-" + r.id() + ".json");
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
    Path folder = folder(sessionId, r);
    Files.createDirectories(folder);
    Map<String, String> base = readBase(sessionId, r);
    Map<String, Path> local = scan(folder);
    Map<String, Memory> remote = new HashMap<>();
    for (Memory m : repo.list(storeId, "/")) {
      remote.put(m.path(), m);
    }
    TreeSet<String> paths = new TreeSet<>(base.keySet());
    paths.addAll(local.keySet());
    paths.addAll(remote.keySet());
    MemoryActor actor = MemoryActor.session(sessionId);
    for (String path : paths) {
      String b = base.get(path);
      Path file = local.get(path);
      byte[] bytes = file == null ? null : Files.readAllBytes(file);
      String l = bytes == null ? null : MemoryContent.sha256(bytes);
      Memory m = remote.get(path);
      String s = m == null ? null : m.contentSha256();
      boolean localChanged = !java.util.Objects.equals(l, b) && !r.readOnly();
      if (!localChanged || java.util.Objects.equals(l, s)) {
        if (!java.util.Objects.equals(l, s)) {
          pull(repo, storeId, folder, path, m);
        }
        put(base, path, s);
        continue;
      }
      if (!java.util.Objects.equals(s, b)) {
        pull(repo, storeId, folder, path, m);
        put(base, path, s);
        conflict(sessionId, r, path, notes);
        continue;
      }
      String refusal = bytes == null ? null : refusal(path, bytes);
      if (refusal != null) {
        pull(repo, storeId, folder, path, m);
        put(base, path, s);
        notes.add(
            "The file "
                + r.mountPath()
                + path
                + " was not saved to memory store "
                + r.json().path("name").asText()
                + ": "
                + refusal
                + (m == null ? "; it was removed." : "; the stored version was put back."));
        continue;
      }
      try {
        if (bytes == null) {
          repo.delete(storeId, m.id(), b, actor, now());
          put(base, path, null);
        } else if (m == null) {
          Memory made =
              repo.create(storeId, path, new String(bytes, StandardCharsets.UTF_8), actor, now());
          put(base, path, made.contentSha256());
        } else {
          Memory updated =
              repo.update(
                  storeId,
                  m.id(),
                  null,
                  new String(bytes, StandardCharsets.UTF_8),
                  b,
                  actor,
                  now());
          put(base, path, updated.contentSha256());
        }
      } catch (MemoryRepository.PreconditionFailed | MemoryRepository.PathConflict e) {
        // Someone else wrote the path (or a folder of it) since this sync read the store.
        Memory now = repo.findByPath(storeId, path).orElse(null);
        if (now == null && e instanceof MemoryRepository.PathConflict pc) {
          pull(repo, storeId, folder, path, null);
          put(base, path, null);
          notes.add(
              "The file "
                  + r.mountPath()
                  + path
                  + " was not saved to memory store "
                  + r.json().path("name").asText()
                  + ": "
                  + pc.getMessage()
                  + "; it was removed.");
          continue;
        }
        pull(repo, storeId, folder, path, now);
        put(base, path, now == null ? null : now.contentSha256());
        conflict(sessionId, r, path, notes);
      } catch (MemoryRepository.StoreFull e) {
        pull(repo, storeId, folder, path, null);
        notes.add(
            "The file "
                + r.mountPath()
                + path
                + " was not saved: "
                + e.getMessage()
                + "; it was removed.");
      }
    }
    writeBase(sessionId, r, base);
  }

  /** Why the store cannot take {@code bytes} at {@code path}, or null when it can. */
  private static String refusal(String path, byte[] bytes) {
    if (bytes.length > MemoryContent.MAX_BYTES) {
      return "it is "
          + bytes.length
          + " bytes, over the limit of "
          + MemoryContent.MAX_BYTES
          + " bytes per memory";
    }
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
    } catch (CharacterCodingException e) {
      return "it is not UTF-8 text (memories hold text only)";
    }
    for (byte c : bytes) {
      if (c == 0) {
        return "it contains NUL bytes (memories hold text only)";
      }
    }
    try {
      MemoryPaths.check(path, "path");
    } catch (ApiError e) {
      return "its " + e.getMessage();
    }
    return null;
  }

  /** Makes the file at {@code path} what the store holds: its content, or no file. */
  private static void pull(
      MemoryRepository repo, String storeId, Path folder, String path, Memory m)
      throws IOException {
    Path file = folder.resolve(path.substring(1));
    if (!file.normalize().startsWith(folder)) {
      return; // a path the rules refuse never reaches the store; this is belt and braces
    }
    if (m == null) {
      Files.deleteIfExists(file);
      return;
    }
    String content = m.content();
    if (content == null) {
      content = repo.findMemory(storeId, m.id()).map(Memory::content).orElse(null);
      if (content == null) {
        Files.deleteIfExists(file);
        return;
      }
    }
    Files.createDirectories(file.getParent());
    if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
      LOG.warn("memory {} of store {}: a folder is in its place; not written", path, storeId);
      return;
    }
    Path tmp = folder.getParent().resolve(".part-" + java.util.UUID.randomUUID());
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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

  /** The regular files under {@code folder} by memory path; links and other things are skipped. */
  private static Map<String, Path> scan(Path folder) throws IOException {
    Map<String, Path> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(folder)) {
      for (Path p : walk.toList()) {
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          String rel = folder.relativize(p).toString().replace(java.io.File.separatorChar, '/');
          out.put("/" + rel, p);
        }
      }
    }
    return out;
  }

  private Map<String, String> readBase(String sessionId, StoredResource r) throws IOException {
    Path f = baseFile(sessionId, r);
    if (!Files.exists(f)) {
      return new TreeMap<>();
    }
    return new TreeMap<>(
        Json.mapper().readValue(f.toFile(), new TypeReference<Map<String, String>>() {}));
  }

  private void writeBase(String sessionId, StoredResource r, Map<String, String> base)
      throws IOException {
    Path f = baseFile(sessionId, r);
    Path tmp = f.resolveSibling(f.getFileName() + ".part");
    Json.mapper().writeValue(tmp.toFile(), base);
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void put(Map<String, String> base, String path, String sha) {
    if (sha == null) {
      base.remove(path);
    } else {
      base.put(path, sha);
    }
  }

  private java.time.Instant now() {
    return Timestamps.truncate(clock.instant());
  }
}
