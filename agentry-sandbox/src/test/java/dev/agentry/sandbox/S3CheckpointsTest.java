package dev.agentry.sandbox;

import static org.awaitility.Awaitility.await;

import dev.agentry.blob.BlobStores;
import dev.agentry.core.BlobStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Checkpoints in S3: S3Proxy over jclouds' in-memory backend on a loopback port, as agentry-blob's
 * S3 contract runs; each test gets its own key prefix.
 */
class S3CheckpointsTest extends CheckpointsContract {
  private static final String BUCKET = "agentry-checkpoints";
  private static final String ACCESS_KEY = "test-access-key";
  private static final String SECRET_KEY = "test-secret-key";
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private static BlobStoreContext backend;
  private static S3Proxy proxy;

  @BeforeAll
  static void startS3() throws Exception {
    backend =
        ContextBuilder.newBuilder("transient")
            .credentials("identity", "credential")
            .build(BlobStoreContext.class);
    backend.getBlobStore().createContainerInLocation(null, BUCKET);
    proxy =
        S3Proxy.builder()
            .blobStore(backend.getBlobStore())
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .build();
    proxy.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> "STARTED".equals(proxy.getState()));
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (proxy != null) {
      proxy.stop();
    }
    if (backend != null) {
      backend.close();
    }
  }

  @Override
  protected BlobStore newStore(Path dir) {
    return BlobStores.fromEnv(
        Map.of(
            "AGENTRY_BLOB_URL",
            "s3://" + BUCKET + "/test-" + PREFIXES.incrementAndGet() + "/",
            "AGENTRY_BLOB_ENDPOINT",
            "http://127.0.0.1:" + proxy.getPort(),
            "AWS_ACCESS_KEY_ID",
            ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY",
            SECRET_KEY),
        dir);
  }
}
