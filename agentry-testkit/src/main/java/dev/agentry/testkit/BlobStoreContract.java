package dev.agentry.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.BlobException;
import dev.agentry.core.BlobRef;
import dev.agentry.core.BlobStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BlobStore} must do: round-trip bytes under the SHA-256 of their content, store
 * equal content once, never show a partial blob (nor leave one behind when an upload fails), delete
 * idempotently, report a missing blob as {@link BlobException.NotFound}, and stream large blobs.
 */
public abstract class BlobStoreContract {
  private static final long LARGE = 20L << 20;

  protected BlobStore store;

  /** A store with no blobs, isolated from the stores of other tests. */
  protected abstract BlobStore newStore();

  /**
   * Everything the backend holds beside complete blobs: temporary files, spooled uploads, objects
   * under the store's prefix that are not blobs. Empty when no upload is in flight.
   */
  protected abstract List<String> leftovers();

  @BeforeEach
  void openStore() {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void put_thenOpen_returnsTheBytesUnderTheirSha256() throws IOException {
    byte[] content = "hello, blob\n".getBytes(StandardCharsets.UTF_8);
    BlobRef ref = store.put(new ByteArrayInputStream(content));

    assertThat(ref).isEqualTo(new BlobRef(sha256(content), content.length));
    try (InputStream in = store.open(ref.address())) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
    assertThat(store.stat(ref.address())).contains(ref);
    assertThat(store.exists(ref.address())).isTrue();
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void put_ofEmptyContent_storesAnEmptyBlob() throws IOException {
    BlobRef ref = store.put(InputStream.nullInputStream());

    assertThat(ref).isEqualTo(new BlobRef(sha256(new byte[0]), 0));
    try (InputStream in = store.open(ref.address())) {
      assertThat(in.readAllBytes()).isEmpty();
    }
  }

  @Test
  void put_ofTheSameContentTwice_returnsTheSameRefAndStoresOneBlob() {
    byte[] content = "same bytes".getBytes(StandardCharsets.UTF_8);
    BlobRef first = store.put(new ByteArrayInputStream(content));
    BlobRef second = store.put(new ByteArrayInputStream(content));
    BlobRef other = store.put(new ByteArrayInputStream("other bytes".getBytes(UTF8)));

    assertThat(second).isEqualTo(first);
    assertThat(other.address()).isNotEqualTo(first.address());
    assertThat(all()).containsExactlyInAnyOrder(first, other);
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void put_whoseInputFailsMidway_leavesNothingReadableAndNothingBehind() {
    byte[] head = randomBytes(1 << 20, 7);
    InputStream failing =
        new InputStream() {
          private final InputStream delegate = new ByteArrayInputStream(head);

          @Override
          public int read() throws IOException {
            int b = delegate.read();
            if (b < 0) {
              throw new IOException("client went away");
            }
            return b;
          }

          @Override
          public int read(byte[] buf, int off, int len) throws IOException {
            int n = delegate.read(buf, off, len);
            if (n < 0) {
              throw new IOException("client went away");
            }
            return n;
          }
        };

    assertThatThrownBy(() -> store.put(failing))
        .isInstanceOf(BlobException.class)
        .hasMessageContaining("client went away");
    assertThat(store.exists(sha256(head))).isFalse();
    assertThat(all()).isEmpty();
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void blobIsInvisibleUntilItsLastByteIsStored() throws Exception {
    byte[] content = randomBytes(256 * 1024, 11);
    String address = sha256(content);
    CountDownLatch halfRead = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    InputStream paused =
        new InputStream() {
          private final InputStream delegate = new ByteArrayInputStream(content);

          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] buf, int off, int len) throws IOException {
            if (delegate.available() <= content.length / 2 && halfRead.getCount() > 0) {
              halfRead.countDown();
              await(release);
            }
            return delegate.read(buf, off, Math.min(len, 8192));
          }
        };
    CompletableFuture<BlobRef> put =
        CompletableFuture.supplyAsync(() -> store.put(paused), r -> Thread.ofVirtual().start(r));
    try {
      assertThat(halfRead.await(10, TimeUnit.SECONDS)).isTrue();
      // half of the content is written somewhere; none of it is a blob yet
      assertThat(store.exists(address)).isFalse();
      assertThat(all()).isEmpty();
      assertThatThrownBy(() -> store.open(address)).isInstanceOf(BlobException.NotFound.class);
    } finally {
      release.countDown();
    }
    assertThat(put.get(30, TimeUnit.SECONDS)).isEqualTo(new BlobRef(address, content.length));
    assertThat(store.stat(address)).contains(new BlobRef(address, content.length));
  }

  @Test
  void delete_removesTheBlob_andDeletingAgainIsFine() {
    BlobRef ref = store.put(new ByteArrayInputStream("to delete".getBytes(UTF8)));

    store.delete(ref.address());
    store.delete(ref.address());

    assertThat(store.stat(ref.address())).isEmpty();
    assertThat(store.exists(ref.address())).isFalse();
    assertThatThrownBy(() -> store.open(ref.address())).isInstanceOf(BlobException.NotFound.class);
    assertThat(all()).isEmpty();
    // a deleted blob can be stored again
    assertThat(store.put(new ByteArrayInputStream("to delete".getBytes(UTF8)))).isEqualTo(ref);
    assertThat(store.exists(ref.address())).isTrue();
  }

  @Test
  void open_ofAMissingBlob_isNotFoundNamingTheAddress() {
    String missing = sha256("never stored".getBytes(UTF8));

    assertThatThrownBy(() -> store.open(missing))
        .isInstanceOf(BlobException.NotFound.class)
        .hasMessageContaining(missing);
    assertThat(store.stat(missing)).isEmpty();
  }

  @Test
  void malformedAddresses_areRefusedBeforeTouchingTheBackend() {
    for (String bad : List.of("../../etc/passwd", "ABC", sha256(new byte[0]).toUpperCase(), "")) {
      assertThatThrownBy(() -> store.open(bad)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> store.stat(bad)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> store.delete(bad)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> store.list("../", r -> {}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void list_byPrefix_reportsOnlyMatchingBlobs() {
    List<BlobRef> refs = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      refs.add(store.put(new ByteArrayInputStream(("blob " + i).getBytes(UTF8))));
    }
    assertThat(all()).containsExactlyInAnyOrderElementsOf(refs);

    for (String prefix :
        List.of(
            refs.get(0).address().substring(0, 1),
            refs.get(3).address().substring(0, 3),
            refs.get(5).address())) {
      List<BlobRef> found = new ArrayList<>();
      store.list(prefix, found::add);
      assertThat(found)
          .isNotEmpty()
          .containsExactlyInAnyOrderElementsOf(
              refs.stream().filter(r -> r.address().startsWith(prefix)).toList());
    }
  }

  /**
   * The blob never sits on the heap whole: the bytes this thread allocates while putting it, and
   * while reading it back, stay under its size (buffers come and go, but a client that held the
   * body would allocate all of it at least once).
   */
  @Test
  void aLargeBlob_streamsInAndOut() throws IOException {
    // a first request may load and initialise a client; that is not the blob's cost
    store.put(new ByteArrayInputStream("warm-up".getBytes(UTF8)));
    MessageDigest written = digest();
    long before = allocatedBytes();
    BlobRef ref = store.put(new DigestInputStream(new GeneratedStream(LARGE, 3), written));
    long putAllocated = allocatedBytes() - before;

    assertThat(ref).isEqualTo(new BlobRef(HexFormat.of().formatHex(written.digest()), LARGE));
    MessageDigest read = digest();
    before = allocatedBytes();
    try (InputStream in = new DigestInputStream(store.open(ref.address()), read)) {
      assertThat(in.transferTo(OutputStream.nullOutputStream())).isEqualTo(LARGE);
    }
    long readAllocated = allocatedBytes() - before;
    assertThat(HexFormat.of().formatHex(read.digest())).isEqualTo(ref.address());
    assertThat(putAllocated).as("bytes allocated by put").isLessThan(LARGE);
    assertThat(readAllocated).as("bytes allocated by reading").isLessThan(LARGE);
    assertThat(leftovers()).isEmpty();
  }

  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

  private List<BlobRef> all() {
    List<BlobRef> refs = new ArrayList<>();
    store.list("", refs::add);
    return refs;
  }

  protected static String sha256(byte[] content) {
    return HexFormat.of().formatHex(digest().digest(content));
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  private static void await(CountDownLatch latch) throws IOException {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IOException("the test never released the upload");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** {@code size} pseudo-random bytes made as they are read, so the test holds none of them. */
  private static final class GeneratedStream extends InputStream {
    private final SplittableRandom random;
    private long remaining;

    GeneratedStream(long size, long seed) {
      this.remaining = size;
      this.random = new SplittableRandom(seed);
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buf, int off, int len) {
      if (remaining == 0) {
        return -1;
      }
      int n = (int) Math.min(len, remaining);
      for (int i = 0; i < n; i++) {
        buf[off + i] = (byte) random.nextInt(256);
      }
      remaining -= n;
      return n;
    }
  }
}
