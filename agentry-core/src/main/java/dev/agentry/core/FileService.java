package dev.agentry.core;

import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The Files API's operations over the records ({@link FileRepository}) and the bytes ({@link
 * BlobStore}), for the routes and for whatever else makes files (session outputs). Expired files
 * are absent here even before {@link #sweepExpired} removes them.
 *
 * <p>Blobs are shared by every record with the same bytes, so deleting a record deletes its blob
 * only when no record is left. A put-and-record on one side and a count-and-delete on the other
 * could interleave so that a new record points at a just-deleted blob: on one node a lock per
 * address orders them; across nodes the writer checks the blob after recording it and fails the
 * write (nothing left behind) if it vanished.
 */
public final class FileService {
  private static final int LOCK_STRIPES = 64;

  private final FileRepository files;
  private final BlobStore blobs;
  private final Clock clock;
  private final ReentrantLock[] locks = new ReentrantLock[LOCK_STRIPES];

  public FileService(FileRepository files, BlobStore blobs, Clock clock) {
    this.files = files;
    this.blobs = blobs;
    this.clock = clock;
    for (int i = 0; i < LOCK_STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
  }

  /**
   * Stores {@code content} (streamed, never whole in memory) as a new file of {@code workspaceId}.
   * {@code scopeSessionId} names the session whose output it is (null for an upload); it expires
   * {@code expiresIn} after its creation, or never when that is null. Does not close {@code
   * content}.
   *
   * @throws BlobException if the bytes cannot be stored (nothing is recorded then)
   */
  public FileRecord store(
      String workspaceId,
      String filename,
      String mimeType,
      InputStream content,
      String scopeSessionId,
      boolean downloadable,
      Duration expiresIn) {
    BlobRef ref = putContent(content);
    return record(workspaceId, ref, filename, mimeType, scopeSessionId, downloadable, expiresIn);
  }

  /**
   * The first half of {@link #store}, for callers that learn the rest of a file's metadata only
   * after its bytes (a multipart upload whose fields follow the file): stores the bytes. Follow it
   * with {@link #record} or, if the file is refused, {@link #discard}.
   */
  public BlobRef putContent(InputStream content) {
    return blobs.put(content);
  }

  /** The second half of {@link #store}: records a file of the bytes {@code ref} names. */
  public FileRecord record(
      String workspaceId,
      BlobRef ref,
      String filename,
      String mimeType,
      String scopeSessionId,
      boolean downloadable,
      Duration expiresIn) {
    Instant createdAt = now();
    FileRecord file =
        new FileRecord(
            Ids.next(IdKind.FILE),
            filename,
            mimeType,
            ref.size(),
            ref.address(),
            downloadable,
            createdAt,
            expiresIn == null ? null : createdAt.plus(expiresIn),
            scopeSessionId);
    ReentrantLock lock = lockFor(ref.address());
    lock.lock();
    try {
      FileRecord stored = files.create(workspaceId, file);
      if (!blobs.exists(ref.address())) {
        files.delete(workspaceId, stored.id());
        throw new BlobException(
            "the file's bytes were deleted by a concurrent delete of the same content; retry");
      }
      return stored;
    } finally {
      lock.unlock();
    }
  }

  /** Gives up bytes stored by {@link #putContent} for a file that was not recorded. */
  public void discard(BlobRef ref) {
    releaseBlob(ref.address());
  }

  /** A session's output: downloadable, never expiring, scoped to {@code sessionId}. */
  public FileRecord storeOutput(
      String workspaceId, String sessionId, String filename, String mimeType, InputStream content) {
    return store(workspaceId, filename, mimeType, content, sessionId, true, null);
  }

  /** The file, unless it is missing, another workspace's, or expired. */
  public Optional<FileRecord> find(String workspaceId, String id) {
    Instant now = clock.instant();
    return files.find(workspaceId, id).filter(f -> !expired(f, now));
  }

  /** Whether the file exists in {@code workspaceId} but has expired (not yet swept). */
  public boolean isExpired(String workspaceId, String id) {
    Instant now = clock.instant();
    return files.find(workspaceId, id).filter(f -> expired(f, now)).isPresent();
  }

  /**
   * Files of {@code workspaceId} matching {@code filter}, newest first, without the expired ones
   * not yet swept (so a page may hold fewer than its limit while they wait for the sweep).
   */
  public Page<FileRecord> list(String workspaceId, FileFilter filter, PageRequest page) {
    Page<FileRecord> raw = files.list(workspaceId, filter, page);
    Instant now = clock.instant();
    List<FileRecord> live = raw.items().stream().filter(f -> !expired(f, now)).toList();
    return live.size() == raw.items().size()
        ? raw
        : new Page<>(live, raw.moreAfter(), raw.moreBefore());
  }

  /**
   * The file's bytes; the caller closes the stream.
   *
   * @throws BlobException.NotFound if the bytes are gone
   */
  public InputStream open(FileRecord file) {
    return blobs.open(file.blobAddress());
  }

  /** Deletes the file (and its blob once nothing refers to it); empty if it was not there. */
  public Optional<FileRecord> delete(String workspaceId, String id) {
    Optional<FileRecord> removed = files.delete(workspaceId, id);
    removed.ifPresent(f -> releaseBlob(f.blobAddress()));
    return removed;
  }

  /**
   * Deletes up to {@code batch} files past their expiry, in any workspace, with their unreferenced
   * blobs; returns how many it deleted. Safe to run on every node at once.
   */
  public int sweepExpired(int batch) {
    int deleted = 0;
    for (FileRepository.ExpiredFile e : files.expired(clock.instant(), batch)) {
      if (files.delete(e.workspaceId(), e.file().id()).isPresent()) {
        deleted++;
      }
      releaseBlob(e.file().blobAddress());
    }
    return deleted;
  }

  private void releaseBlob(String address) {
    ReentrantLock lock = lockFor(address);
    lock.lock();
    try {
      if (files.countByBlob(address) == 0) {
        blobs.delete(address);
      }
    } finally {
      lock.unlock();
    }
  }

  private static boolean expired(FileRecord f, Instant now) {
    return f.expiresAt() != null && !f.expiresAt().isAfter(now);
  }

  private Instant now() {
    return Timestamps.truncate(clock.instant());
  }

  private ReentrantLock lockFor(String address) {
    return locks[Math.floorMod(address.hashCode(), LOCK_STRIPES)];
  }
}
