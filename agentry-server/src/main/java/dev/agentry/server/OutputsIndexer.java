package dev.agentry.server;

import dev.agentry.core.FileFilter;
import dev.agentry.core.FileRecord;
import dev.agentry.core.FileService;
import dev.agentry.core.Page;
import dev.agentry.core.PageKey;
import dev.agentry.core.PageRequest;
import dev.agentry.core.SortOrder;
import dev.agentry.core.Store;
import dev.agentry.core.Timestamps;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLConnection;
import java.nio.channels.Channels;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Indexes what the agent wrote under {@value MountPaths#OUTPUTS} into the Files API, scoped to the
 * session, as soon as a turn goes idle (the API promises it within about 3 s). A file is indexed
 * once per content: the session's output records already name each (path, SHA-256) pair indexed, so
 * an unchanged file is skipped and a changed one gets a new record; this holds across nodes.
 *
 * <p>The folder is the agent's: symbolic links are never followed (a link to a host file must not
 * export it): the walk opens every folder and file relative to its open parent, never following a
 * link, so swapping a folder for a link mid-walk leads nowhere outside.
 */
final class OutputsIndexer {
  private static final Logger LOG = LoggerFactory.getLogger(OutputsIndexer.class);
  static final long MAX_FILE_BYTES = 500L * 1024 * 1024;
  static final int MAX_FILES_PER_PASS = 1000;

  private final Store store;
  private final FileService files;
  private final Function<String, Path> outputsOf;
  private final ExecutorService executor;

  /** Sessions being indexed; the value says whether another idle came in meanwhile. */
  private final Map<String, Boolean> running = new ConcurrentHashMap<>();

  /**
   * Per session and path: the size, mtime and hash last computed, to skip hashing unchanged files.
   */
  private final Map<String, Map<String, Seen>> seen = new ConcurrentHashMap<>();

  private record Seen(long size, long modified, String sha256) {}

  OutputsIndexer(
      Store store, FileService files, Function<String, Path> outputsOf, ExecutorService executor) {
    this.store = store;
    this.files = files;
    this.outputsOf = outputsOf;
    this.executor = executor;
  }

  /** A turn of the session went idle: index its outputs soon, on the executor. */
  void turnEnded(String sessionId) {
    boolean[] start = {false};
    running.compute(
        sessionId,
        (id, again) -> {
          if (again == null) {
            start[0] = true;
            return Boolean.FALSE;
          }
          return Boolean.TRUE;
        });
    if (start[0]) {
      executor.execute(() -> drain(sessionId));
    }
  }

  private void drain(String sessionId) {
    while (true) {
      try {
        index(sessionId);
      } catch (RuntimeException e) {
        LOG.error("session {}: indexing its outputs failed", sessionId, e);
      }
      boolean[] again = {false};
      running.compute(
          sessionId,
          (id, woken) -> {
            if (Boolean.TRUE.equals(woken)) {
              again[0] = true;
              return Boolean.FALSE;
            }
            return null;
          });
      if (!again[0]) {
        return;
      }
    }
  }

  /** One pass over the session's outputs folder; returns how many files it indexed. */
  int index(String sessionId) {
    Path dir = outputsOf.apply(sessionId);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return 0;
    }
    String workspace = store.sessions().workspaceOf(sessionId).orElse(null);
    if (workspace == null) {
      seen.remove(sessionId);
      return 0;
    }
    Pass pass =
        new Pass(
            workspace, sessionId, seen.computeIfAbsent(sessionId, k -> new ConcurrentHashMap<>()));
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      if (!(stream instanceof SecureDirectoryStream<Path> root)) {
        LOG.warn("session {}: outputs not indexed: no secure directory access here", sessionId);
        return 0;
      }
      pass.walk(root, "", 0);
    } catch (IOException e) {
      LOG.warn("session {}: cannot list its outputs: {}", sessionId, e.getMessage());
    }
    if (pass.stored > 0) {
      LOG.info("session {}: indexed {} output file(s)", sessionId, pass.stored);
    }
    return pass.stored;
  }

  /**
   * One walk over the folder. Every step is relative to an open directory and never follows a link
   * ({@code openat} with {@code O_NOFOLLOW}): the agent may swap a folder for a symbolic link at
   * any moment, and a path checked first and opened later would then lead out of the folder.
   */
  private final class Pass {
    private static final int MAX_DEPTH = 64;
    private final String workspace;
    private final String sessionId;
    private final Map<String, Seen> known;
    private Set<String> indexed; // read from the store at the first file found
    private int visited;
    private int stored;

    Pass(String workspace, String sessionId, Map<String, Seen> known) {
      this.workspace = workspace;
      this.sessionId = sessionId;
      this.known = known;
    }

    void walk(SecureDirectoryStream<Path> dir, String prefix, int depth) throws IOException {
      for (Path entry : dir) {
        if (visited >= MAX_FILES_PER_PASS) {
          return;
        }
        Path name = entry.getFileName();
        BasicFileAttributes a =
            dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .readAttributes();
        if (a.isDirectory() && depth < MAX_DEPTH) {
          try (SecureDirectoryStream<Path> sub =
              dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
            walk(sub, prefix + name + "/", depth + 1);
          } catch (IOException e) {
            LOG.warn(
                "session {}: output folder {} skipped: {}",
                sessionId,
                prefix + name,
                e.getMessage());
          }
        } else if (a.isRegularFile()) {
          visited++;
          try {
            consider(dir, name, prefix + name, a);
          } catch (IOException e) {
            LOG.warn("session {}: output {} skipped: {}", sessionId, prefix + name, e.getMessage());
          }
        }
      }
    }

    private void consider(
        SecureDirectoryStream<Path> dir, Path name, String path, BasicFileAttributes a)
        throws IOException {
      if (a.size() > MAX_FILE_BYTES) {
        return;
      }
      Seen last = known.get(path);
      String sha =
          last != null && last.size == a.size() && last.modified == a.lastModifiedTime().toMillis()
              ? last.sha256
              : sha256(dir, name);
      known.put(path, new Seen(a.size(), a.lastModifiedTime().toMillis(), sha));
      if (indexed == null) {
        indexed = indexed(workspace, sessionId);
      }
      if (indexed.contains(path + "\n" + sha)) {
        return;
      }
      try (InputStream in = open(dir, name)) {
        files.storeOutput(workspace, sessionId, path, mimeType(path), in);
      }
      indexed.add(path + "\n" + sha);
      stored++;
    }
  }

  private static InputStream open(SecureDirectoryStream<Path> dir, Path name) throws IOException {
    return Channels.newInputStream(
        dir.newByteChannel(name, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)));
  }

  /**
   * The (filename, content hash) pairs already indexed for the session: its output records' names
   * and blob addresses, which are the SHA-256 of their bytes.
   */
  private Set<String> indexed(String workspace, String sessionId) {
    Set<String> out = new HashSet<>();
    FileFilter filter = new FileFilter(sessionId, List.of());
    PageRequest request = PageRequest.first(1000, SortOrder.DESC);
    while (true) {
      Page<FileRecord> page = files.list(workspace, filter, request);
      page.items().forEach(f -> out.add(f.filename() + "\n" + f.blobAddress()));
      if (!page.moreAfter() || page.items().isEmpty()) {
        return out;
      }
      FileRecord last = page.items().getLast();
      request =
          new PageRequest(
              1000,
              SortOrder.DESC,
              new PageKey(Timestamps.toMicros(last.createdAt()), last.id()),
              false);
    }
  }

  private static String sha256(SecureDirectoryStream<Path> dir, Path name) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      try (InputStream in = new DigestInputStream(open(dir, name), digest)) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }

  private static String mimeType(String name) {
    String guessed = URLConnection.guessContentTypeFromName(name);
    return guessed == null ? "application/octet-stream" : guessed;
  }

  /** The session is gone: forget what was hashed for it. */
  void forget(String sessionId) {
    seen.remove(sessionId);
  }
}
