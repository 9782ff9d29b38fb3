package dev.agentry.sandbox;

import dev.agentry.blob.BlobStores;
import dev.agentry.core.BlobStore;
import dev.agentry.testkit.S3ProxyServer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Checkpoints in S3: testkit's S3Proxy (jclouds' in-memory backend on a loopback port), as
 * agentry-blob's S3 contract runs; each test gets its own key prefix.
 */
class S3CheckpointsTest extends CheckpointsContract {
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private static S3ProxyServer s3;

  @BeforeAll
  static void startS3() {
    s3 = S3ProxyServer.start("agentry-checkpoints");
  }

  @AfterAll
  static void stopS3() {
    if (s3 != null) {
      s3.close();
    }
  }

  @Override
  protected BlobStore newStore(Path dir) {
    return BlobStores.fromEnv(s3.env("test-" + PREFIXES.incrementAndGet() + "/"), dir);
  }
}
