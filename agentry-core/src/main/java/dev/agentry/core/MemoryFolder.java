package dev.agentry.core;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A folder kept in step with a memory store, the way the official self-hosted worker keeps it
 * (docs/decisions/0032, 0048): per path it compares the folder, the <em>base</em> (the hash last
 * agreed with the store, kept in a file beside the folder so it survives a restart) and the store.
 * A change on one side only goes to the other — a file written in the folder becomes a create, or
 * an update or delete with the base's hash as its {@code content_sha256} precondition, so a write
 * made elsewhere meanwhile is never overwritten; when both sides changed, the store wins and the
 * caller is told. A file the store cannot take is put back as the store has it. A read-only folder
 * only receives.
 *
 * <p>The server syncs through its repository, a self-hosted worker through the memories API (as
 * {@link Remote}s); both share this one algorithm.
 */
public final class MemoryFolder {
  /** The store's side of a sync. */
  public interface Remote {
    /** Every memory of the store; their content may be left out. */
    List<Memory> list();

    /** The memory's content, read again if {@code m} came without it; empty if it is gone. */
    Optional<String> content(Memory m);

    /** The memory at {@code path} now, after a write found the store changed. */
    Optional<Memory> findByPath(String path);

    /**
     * @throws MemoryRepository.PathConflict if the path or a folder of it is taken
     * @throws MemoryRepository.StoreFull if the store holds as many memories as it may
     * @throws Refused if the store refuses the write for another reason
     */
    Memory create(String path, String content);

    /**
     * @throws MemoryRepository.PreconditionFailed if its content is no longer {@code expected}
     */
    Memory update(Memory m, String content, String expectedSha256);

    /**
     * @throws MemoryRepository.PreconditionFailed if its content is no longer {@code expected}
     */
    void delete(Memory m, String expectedSha256);

    /** Why the store would refuse {@code path}, or null when it takes it. */
    default String pathRefusal(String path) {
      return null;
    }
  }

  /** What a sync reports to its caller. */
  public interface Outcome {
    /** {@code path} changed on both sides; the folder now holds the store's version. */
    void conflict(String path);

    /**
     * The store would not take the file at {@code path}, for {@code reason}; the folder holds what
     * the store has again ({@code removed}: nothing).
     */
    void refused(String path, String reason, boolean removed);
  }

  /** Which of the files deleted from the folder are sent as deletes in this sync. */
  public interface Deletes {
    /** The server's rule: every delete goes at once. */
    Deletes AT_ONCE =
        new Deletes() {
          @Override
          public Set<String> due(Set<String> missing) {
            return missing;
          }

          @Override
          public int maxPerSync() {
            return Integer.MAX_VALUE;
          }
        };

    /**
     * Of {@code missing} (every path gone from the folder that the store still has as agreed),
     * those that may be deleted now. Called once per sync; a path not returned stays as it is.
     */
    Set<String> due(Set<String> missing);

    /** At most this many deletes go out in one sync; the rest wait for the next. */
    int maxPerSync();

    /**
     * Whether a memory deleted in the store while the folder's file was edited is made again from
     * the file (the official worker's rule) rather than removed from the folder (the store wins).
     */
    default boolean recreateEditedAfterStoreDelete() {
      return false;
    }
  }

  /** A write the store refused as invalid (its message says why). */
  public static final class Refused extends StoreException {
    public Refused(String message) {
      super(message);
    }
  }

  private final Path folder;
  private final Path baseFile;
  private final boolean readOnly;
  private final Deletes deletes;

  /**
   * The folder {@code folder}, its base kept in {@code baseFile} (outside the folder, so whoever
   * writes the folder cannot forge it); {@code readOnly}: the folder only receives.
   */
  public MemoryFolder(Path folder, Path baseFile, boolean readOnly, Deletes deletes) {
    this.folder = folder;
    this.baseFile = baseFile;
    this.readOnly = readOnly;
    this.deletes = deletes;
  }

  public Path folder() {
    return folder;
  }

  /** One sync in both directions. */
  public void sync(Remote remote, Outcome outcome) throws IOException {
    Files.createDirectories(folder);
    Map<String, String> base = readBase();
    Map<String, Path> local = scan(folder);
    Map<String, Memory> stored = new HashMap<>();
    for (Memory m : remote.list()) {
      stored.put(m.path(), m);
    }
    TreeSet<String> paths = new TreeSet<>(base.keySet());
    paths.addAll(local.keySet());
    paths.addAll(stored.keySet());
    Set<String> missing = new TreeSet<>();
    for (String path : base.keySet()) {
      Memory m = stored.get(path);
      if (!readOnly && !local.containsKey(path) && m != null) {
        missing.add(path);
      }
    }
    Set<String> due = missing.isEmpty() ? Set.of() : deletes.due(missing);
    int deleted = 0;
    for (String path : paths) {
      String b = base.get(path);
      Path file = local.get(path);
      byte[] bytes = file == null ? null : Files.readAllBytes(file);
      String l = bytes == null ? null : MemoryContent.sha256(bytes);
      Memory m = stored.get(path);
      String s = m == null ? null : m.contentSha256();
      boolean localChanged = !Objects.equals(l, b) && !readOnly;
      if (!localChanged || Objects.equals(l, s)) {
        if (!Objects.equals(l, s)) {
          pull(remote, path, m);
        }
        put(base, path, s);
        continue;
      }
      boolean recreate = s == null && bytes != null && deletes.recreateEditedAfterStoreDelete();
      if (!Objects.equals(s, b) && !recreate) {
        pull(remote, path, m);
        put(base, path, s);
        outcome.conflict(path);
        continue;
      }
      if (bytes == null
          && (!due.contains(path)
              || deleted >= deletes.maxPerSync()
              || Files.exists(folder.resolve(path.substring(1)), LinkOption.NOFOLLOW_LINKS))) {
        continue; // a delete not due yet: the base keeps it pending
      }
      String refusal = bytes == null ? null : refusal(remote, path, bytes);
      if (refusal != null) {
        pull(remote, path, m);
        put(base, path, s);
        outcome.refused(path, refusal, m == null);
        continue;
      }
      push(remote, outcome, base, path, bytes, m, b);
      if (bytes == null) {
        deleted++;
      }
    }
    writeBase(base);
  }

  /** Sends the folder's change of {@code path} (a delete when {@code bytes} is null). */
  private void push(
      Remote remote,
      Outcome outcome,
      Map<String, String> base,
      String path,
      byte[] bytes,
      Memory m,
      String b)
      throws IOException {
    try {
      if (bytes == null) {
        remote.delete(m, b);
        put(base, path, null);
      } else if (m == null) {
        put(base, path, remote.create(path, utf8(bytes)).contentSha256());
      } else {
        put(base, path, remote.update(m, utf8(bytes), b).contentSha256());
      }
    } catch (MemoryRepository.PreconditionFailed | MemoryRepository.PathConflict e) {
      // Someone else wrote the path (or a folder of it) since this sync read the store.
      Memory now = remote.findByPath(path).orElse(null);
      if (now == null && e instanceof MemoryRepository.PathConflict pc) {
        pull(remote, path, null);
        put(base, path, null);
        outcome.refused(path, pc.getMessage(), true);
        return;
      }
      pull(remote, path, now);
      put(base, path, now == null ? null : now.contentSha256());
      outcome.conflict(path);
    } catch (MemoryRepository.StoreFull | Refused e) {
      pull(remote, path, m);
      put(base, path, m == null ? null : m.contentSha256());
      outcome.refused(path, e.getMessage(), m == null);
    }
  }

  private static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Why the store cannot take {@code bytes} at {@code path}, or null when it can. */
  private static String refusal(Remote remote, String path, byte[] bytes) {
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
    return remote.pathRefusal(path);
  }

  /** Makes the file at {@code path} what the store holds: its content, or no file. */
  private void pull(Remote remote, String path, Memory m) throws IOException {
    Path file = folder.resolve(path.substring(1));
    if (!file.normalize().startsWith(folder)) {
      return; // a path the rules refuse never reaches the store; this is belt and braces
    }
    String content = m == null ? null : remote.content(m).orElse(null);
    if (content == null) {
      Files.deleteIfExists(file);
      return;
    }
    Files.createDirectories(file.getParent());
    if (!file.getParent().toRealPath().startsWith(folder.toRealPath())) {
      return; // a folder of the path is a link the sandbox made: never write through it
    }
    if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
      return; // a folder is in its place: nothing can be written there
    }
    Path tmp = baseFile.resolveSibling(".part-" + UUID.randomUUID());
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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

  private Map<String, String> readBase() throws IOException {
    if (!Files.exists(baseFile)) {
      return new TreeMap<>();
    }
    return new TreeMap<>(
        Json.mapper().readValue(baseFile.toFile(), new TypeReference<Map<String, String>>() {}));
  }

  private void writeBase(Map<String, String> base) throws IOException {
    Path tmp = baseFile.resolveSibling(baseFile.getFileName() + ".part");
    Json.mapper().writeValue(tmp.toFile(), base);
    Files.move(tmp, baseFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void put(Map<String, String> base, String path, String sha) {
    if (sha == null) {
      base.remove(path);
    } else {
      base.put(path, sha);
    }
  }
}
