package dev.agentry.server;

import dev.agentry.core.EventCodec;
import dev.agentry.core.FileRecord;
import dev.agentry.core.FileService;
import dev.agentry.core.Json;
import dev.agentry.core.RepositoryCloner;
import dev.agentry.core.RepositoryException;
import dev.agentry.core.SandboxMount;
import dev.agentry.core.SecretBox;
import dev.agentry.core.Session;
import dev.agentry.core.Store;
import dev.agentry.sandbox.Workspaces;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a session's resources live on this node, and what its sandbox binds. Per session, under
 * {@code <data>/session-mounts/<id>/}: {@code uploads/} (bound read-only at {@value
 * MountPaths#UPLOADS}: a file added there mid-session shows at once), {@code outputs/} (bound
 * writable at {@value MountPaths#OUTPUTS}), {@code files/<resource>/} (a file mounted elsewhere,
 * each bound read-only at its path) and {@code repos/<resource>/} (a repository mounted outside
 * {@code /workspace}; one under it is cloned straight into the workspace).
 *
 * <p>A file is copied once per session per node from its blob, so deleting the file through the
 * Files API leaves the mounted copy working until the session is deleted. A repository is cloned
 * once per node (a marker remembers it, so a checkout the agent removed is not brought back); a
 * node that never had it (the session moved) clones it before the sandbox starts.
 */
final class ResourceMounts {
  private static final Logger LOG = LoggerFactory.getLogger(ResourceMounts.class);
  static final Duration CLONE_TIMEOUT = Duration.ofMinutes(10);

  private final Store store;
  private final FileService files;
  private final SecretBox box;
  private final RepositoryCloner cloner;
  private final Workspaces workspaces;
  private final Workspaces sessionDirs;
  private final Clock clock;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final MemorySync memory;

  ResourceMounts(
      Store store,
      FileService files,
      SecretBox box,
      RepositoryCloner cloner,
      Workspaces workspaces,
      Path root,
      Clock clock) {
    this.store = store;
    this.files = files;
    this.box = box;
    this.cloner = cloner;
    this.workspaces = workspaces;
    this.sessionDirs = Workspaces.under(root);
    this.clock = clock;
    this.memory = new MemorySync(store, root, clock);
  }

  /** What keeps the sessions' memory store mounts and their stores in step. */
  MemorySync memory() {
    return memory;
  }

  /** The host folder behind {@value MountPaths#OUTPUTS}. */
  Path outputs(String sessionId) {
    return sessionDirs.path(sessionId).resolve("outputs");
  }

  /** Why a resource could not be readied: a {@code session.error}'s type and message. */
  record Failure(String errorType, String message) {}

  /**
   * Readies every resource of the session missing on this node (files copied, repositories cloned)
   * and returns what failed, by resource id.
   */
  Map<String, Failure> prepare(Session session) {
    Map<String, Failure> failed = new java.util.LinkedHashMap<>();
    ReentrantLock lock = locks.computeIfAbsent(session.id(), k -> new ReentrantLock());
    lock.lock();
    try {
      // Made through Workspaces, so their parent folders get its permissions (no listing).
      sessionDirs.create(session.id());
      workspaces.create(session.id());
      String workspace = store.sessions().workspaceOf(session.id()).orElse(null);
      for (var json : session.resources()) {
        StoredResource r = new StoredResource(json);
        try {
          if (r.isFile()) {
            materialise(workspace, session.id(), r);
          } else if (r.isRepository()) {
            cloneIfNeeded(session.id(), r);
          }
        } catch (RepositoryException e) {
          failed.put(r.id(), new Failure(e.errorType(), e.getMessage()));
        } catch (RuntimeException e) {
          LOG.error("session {}: resource {} could not be readied", session.id(), r.id(), e);
          failed.put(
              r.id(),
              new Failure(
                  "resource_mount_error",
                  "the " + r.type() + " could not be made ready at " + r.mountPath()));
        }
      }
      try {
        memory.sync(session.id()); // a memory store's folder is filled by its first sync
      } catch (RuntimeException e) {
        LOG.error("session {}: its memory stores could not be synced", session.id(), e);
        for (var json : session.resources()) {
          StoredResource r = new StoredResource(json);
          if (r.isMemoryStore()) {
            failed.put(
                r.id(),
                new Failure(
                    "resource_mount_error",
                    "the memory store could not be made ready at " + r.mountPath()));
          }
        }
      }
    } finally {
      lock.unlock();
    }
    return failed;
  }

  /**
   * The sandbox's mounts, with everything they name ready on this node: called before each sandbox
   * start. A resource that cannot be readied here is reported as a {@code session.error}; the
   * sandbox starts without it.
   */
  List<SandboxMount> forSandbox(String sessionId) {
    Session session = store.sessions().find(sessionId).orElse(null);
    Path dir = sessionDirs.create(sessionId);
    try {
      Files.createDirectories(dir.resolve("uploads"));
      Files.createDirectories(dir.resolve("outputs"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the mount folders of " + sessionId, e);
    }
    List<SandboxMount> mounts = new ArrayList<>();
    mounts.add(new SandboxMount(dir.resolve("uploads"), MountPaths.UPLOADS, true));
    mounts.add(new SandboxMount(dir.resolve("outputs"), MountPaths.OUTPUTS, false));
    if (session == null) {
      return mounts;
    }
    prepare(session).forEach((id, f) -> report(sessionId, id, f));
    List<SandboxMount> binds = new ArrayList<>();
    for (var json : session.resources()) {
      StoredResource r = new StoredResource(json);
      Path host = hostPath(sessionId, r);
      if (ownBind(r) && Files.exists(host, LinkOption.NOFOLLOW_LINKS)) {
        boolean readOnly = r.isFile() || (r.isMemoryStore() && r.readOnly());
        binds.add(new SandboxMount(host, r.mountPath(), readOnly));
      }
    }
    binds.sort(Comparator.comparing(SandboxMount::target));
    mounts.addAll(binds);
    return mounts;
  }

  /** Whether the resource needs a bind of its own (else its host path is under a bound folder). */
  static boolean ownBind(StoredResource r) {
    return r.isFile()
        ? !MountPaths.nested(r.mountPath(), MountPaths.UPLOADS)
        : !MountPaths.nested(r.mountPath(), MountPaths.WORKSPACE);
  }

  /** Where the resource lives on this node's disk. */
  Path hostPath(String sessionId, StoredResource r) {
    if (r.isMemoryStore()) {
      return memory.folder(sessionId, r);
    }
    Path dir = sessionDirs.path(sessionId);
    String target = r.mountPath();
    if (r.isFile()) {
      if (MountPaths.nested(target, MountPaths.UPLOADS)) {
        return dir.resolve("uploads").resolve(target.substring(MountPaths.UPLOADS.length() + 1));
      }
      return dir.resolve("files").resolve(r.id()).resolve(Path.of(target).getFileName().toString());
    }
    if (MountPaths.nested(target, MountPaths.WORKSPACE)) {
      return workspaces
          .path(sessionId)
          .resolve(target.substring(MountPaths.WORKSPACE.length() + 1));
    }
    return dir.resolve("repos").resolve(r.id());
  }

  /**
   * Copies the file's bytes to its host path unless they are there. A file deleted from the Files
   * API since it was mounted keeps its copy; one that was never copied to this node is skipped with
   * a warning.
   */
  void materialise(String workspaceId, String sessionId, StoredResource r) {
    Path dest = hostPath(sessionId, r);
    if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    FileRecord file = workspaceId == null ? null : files.find(workspaceId, r.fileId()).orElse(null);
    if (file == null) {
      LOG.warn(
          "session {}: file {} of resource {} is gone and was never copied to this node; not"
              + " mounted",
          sessionId,
          r.fileId(),
          r.id());
      return;
    }
    try {
      Files.createDirectories(dest.getParent());
      Path tmp = Files.createTempFile(dest.getParent(), ".part-", "");
      try (InputStream in = files.open(file)) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy file " + r.fileId() + " for " + sessionId, e);
    }
  }

  /** Clones the repository to its host path unless this node did it before. */
  void cloneIfNeeded(String sessionId, StoredResource r) {
    Path marker = sessionDirs.path(sessionId).resolve(".cloned").resolve(r.id());
    if (Files.exists(marker)) {
      return;
    }
    Path dest = hostPath(sessionId, r);
    try {
      Files.createDirectories(dest.getParent());
      if (Files.isDirectory(dest.resolve(".git"), LinkOption.NOFOLLOW_LINKS)) {
        // The checkout came with the workspace (restored from a checkpoint made on another
        // node): it holds the agent's work, so it is kept, not cloned again.
        Files.createDirectories(marker.getParent());
        Files.writeString(marker, r.url().toString());
        return;
      }
      if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
        throw new RepositoryException(
            "repository_checkout_error",
            "the mount path " + r.mountPath() + " already exists in the session");
      }
      String token =
          store
              .resourceTokens()
              .find(sessionId, r.id())
              .map(ciphertext -> box.open(ciphertext, tokenContext(sessionId, r.id())))
              .orElse(null);
      long start = clock.millis();
      LOG.info("session {}: cloning {} into {}", sessionId, r.url(), r.mountPath());
      try {
        cloner.cloneInto(r.url().toString(), r.branch(), r.commit(), token, dest, CLONE_TIMEOUT);
      } catch (RuntimeException e) {
        deleteTree(dest); // a half-made checkout would block the next attempt
        throw e;
      }
      LOG.info("session {}: cloned {} in {} ms", sessionId, r.url(), clock.millis() - start);
      Files.createDirectories(marker.getParent());
      Files.writeString(marker, r.url().toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + r.mountPath() + " for " + sessionId, e);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Removes the resource's host copy (a file resource deleted from the session). */
  void remove(String sessionId, StoredResource r) {
    if (!r.isFile()) {
      return; // a checkout holds the agent's work: it stays in the workspace
    }
    try {
      Files.deleteIfExists(hostPath(sessionId, r));
    } catch (IOException e) {
      LOG.warn("session {}: cannot remove the copy of {}", sessionId, r.fileId(), e);
    }
  }

  /** Deletes the session's mount folders (uploads, outputs, copies, clones outside /workspace). */
  void deleteSession(String sessionId) {
    sessionDirs.remove(sessionId);
    locks.remove(sessionId);
    memory.deleteSession(sessionId);
  }

  /** What a repository token is sealed to: it opens only for its own session and resource. */
  static String tokenContext(String sessionId, String resourceId) {
    return "session-resource:" + sessionId + "/" + resourceId;
  }

  /** A {@code session.error} on the session for a resource that could not be readied. */
  void report(String sessionId, String resourceId, Failure f) {
    LOG.warn("session {}: resource {} failed: {}", sessionId, resourceId, f.message());
    var err =
        Json.mapper()
            .createObjectNode()
            .put("type", f.errorType())
            .put("message", "resource " + resourceId + ": " + f.message());
    err.putObject("retry_status").put("type", "terminal");
    store
        .events()
        .append(
            sessionId,
            List.of(
                EventCodec.draft(
                    new dev.agentry.core.Event.SessionError(err),
                    dev.agentry.core.Timestamps.truncate(clock.instant()))));
  }
}
